package dev.portcullis.operator.testsupport.kubelet;

/**
 * A pod's container while the kubelet runs it: a host process ({@link Kubelet}'s process mode) or
 * a container of the CRI runtime ({@link CriPod}).
 */
interface RunningContainer {

  boolean alive();

  /** The exit code once {@link #alive()} is false. */
  int exitCode();

  /** The container's main process on the host, -1 if unknown. */
  long pid();

  /** Why it exited, where the runtime says (e.g. OOMKilled); empty if it does not. */
  default String reason() {
    return "";
  }

  /** Asks the container to stop (SIGTERM), kills it after {@code graceSeconds}. */
  void stop(int graceSeconds);
}
