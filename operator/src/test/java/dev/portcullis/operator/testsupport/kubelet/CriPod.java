package dev.portcullis.operator.testsupport.kubelet;

import dev.portcullis.operator.testsupport.cri.CriRuntime;
import dev.portcullis.operator.testsupport.cri.v1.ContainerConfig;
import dev.portcullis.operator.testsupport.cri.v1.ContainerState;
import dev.portcullis.operator.testsupport.cri.v1.ContainerStatus;
import dev.portcullis.operator.testsupport.cri.v1.ContainerStatusRequest;
import dev.portcullis.operator.testsupport.cri.v1.CreateContainerRequest;
import dev.portcullis.operator.testsupport.cri.v1.PodSandboxConfig;
import dev.portcullis.operator.testsupport.cri.v1.PodSandboxStatusRequest;
import dev.portcullis.operator.testsupport.cri.v1.RemoveContainerRequest;
import dev.portcullis.operator.testsupport.cri.v1.RemovePodSandboxRequest;
import dev.portcullis.operator.testsupport.cri.v1.RunPodSandboxRequest;
import dev.portcullis.operator.testsupport.cri.v1.StartContainerRequest;
import dev.portcullis.operator.testsupport.cri.v1.StopContainerRequest;
import dev.portcullis.operator.testsupport.cri.v1.StopPodSandboxRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One pod on the CRI runtime: its sandbox (network namespace, IP from the CNI bridge), made once
 * and kept while its container restarts, as a kubelet keeps it.
 */
final class CriPod {

  private static final Pattern PID = Pattern.compile("\"pid\"\\s*:\\s*(\\d+)");

  private final CriRuntime cri;
  private final PodSandboxConfig sandbox;
  private String sandboxId;
  private InetAddress ip;

  CriPod(CriRuntime cri, PodSandboxConfig sandbox) {
    this.cri = cri;
    this.sandbox = sandbox;
  }

  /** RunPodSandbox, once: the pod's network namespace and address. */
  InetAddress ensureSandbox() {
    if (sandboxId == null) {
      sandboxId = cri.runtime().withDeadlineAfter(120, TimeUnit.SECONDS).runPodSandbox(
          RunPodSandboxRequest.newBuilder().setConfig(sandbox).build()).getPodSandboxId();
      String address = cri.runtime().withDeadlineAfter(30, TimeUnit.SECONDS).podSandboxStatus(
          PodSandboxStatusRequest.newBuilder().setPodSandboxId(sandboxId).build())
          .getStatus().getNetwork().getIp();
      try {
        ip = InetAddress.getByName(address);
      } catch (UnknownHostException e) {
        throw new IllegalStateException("sandbox " + sandboxId + " has no IP: " + address, e);
      }
    }
    return ip;
  }

  InetAddress ip() {
    return ip;
  }

  /** CreateContainer + StartContainer in the sandbox. */
  RunningContainer start(ContainerConfig config) {
    String id = cri.runtime().withDeadlineAfter(120, TimeUnit.SECONDS).createContainer(
        CreateContainerRequest.newBuilder().setPodSandboxId(sandboxId).setConfig(config)
            .setSandboxConfig(sandbox).build()).getContainerId();
    try {
      cri.runtime().withDeadlineAfter(120, TimeUnit.SECONDS).startContainer(
          StartContainerRequest.newBuilder().setContainerId(id).build());
    } catch (StatusRuntimeException e) {
      remove(id);
      throw e;
    }
    return new Container(id);
  }

  /** StopPodSandbox + RemovePodSandbox (its containers go with it). */
  void remove() {
    if (sandboxId == null) {
      return;
    }
    try {
      cri.runtime().withDeadlineAfter(60, TimeUnit.SECONDS).stopPodSandbox(
          StopPodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
      cri.runtime().withDeadlineAfter(60, TimeUnit.SECONDS).removePodSandbox(
          RemovePodSandboxRequest.newBuilder().setPodSandboxId(sandboxId).build());
    } catch (StatusRuntimeException e) {
      System.err.println("kubelet: cannot remove sandbox " + sandboxId + ": " + e.getStatus().getCode() + " "
            + e.getStatus().getDescription());
    }
    sandboxId = null;
  }

  private void remove(String containerId) {
    try {
      cri.runtime().withDeadlineAfter(60, TimeUnit.SECONDS).removeContainer(
          RemoveContainerRequest.newBuilder().setContainerId(containerId).build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
        System.err.println("kubelet: cannot remove container " + containerId + ": "
            + e.getStatus().getCode() + " " + e.getStatus().getDescription());
      }
    }
  }

  /** A container of this sandbox, its state read from the runtime each time it is asked. */
  private final class Container implements RunningContainer {
    private final String id;
    private volatile ContainerStatus last;
    private volatile long pid = -1;

    Container(String id) {
      this.id = id;
    }

    private ContainerStatus status() {
      ContainerStatus s = last;
      if (s != null && s.getState() == ContainerState.CONTAINER_EXITED) {
        return s;
      }
      dev.portcullis.operator.testsupport.cri.v1.ContainerStatusResponse response;
      try {
        response = cri.runtime().withDeadlineAfter(30, TimeUnit.SECONDS).containerStatus(
            ContainerStatusRequest.newBuilder().setContainerId(id).setVerbose(pid < 0).build());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
          throw e;
        }
        return removed(s);
      }
      if (pid < 0) {
        Matcher m = PID.matcher(response.getInfoOrDefault("info", ""));
        if (m.find()) {
          pid = Long.parseLong(m.group(1));
        }
      }
      last = response.getStatus();
      return last;
    }

    /** Gone from the runtime (removed after it stopped): exited, with what was last known. */
    private ContainerStatus removed(ContainerStatus known) {
      last = ContainerStatus.newBuilder().setId(id).setState(ContainerState.CONTAINER_EXITED)
          .setExitCode(known == null ? -1 : known.getExitCode())
          .setReason(known == null || known.getReason().isEmpty() ? "Removed" : known.getReason())
          .build();
      return last;
    }

    @Override
    public boolean alive() {
      var state = status().getState();
      return state == ContainerState.CONTAINER_RUNNING || state == ContainerState.CONTAINER_CREATED;
    }

    @Override
    public int exitCode() {
      return status().getExitCode();
    }

    @Override
    public String reason() {
      return status().getReason();
    }

    @Override
    public long pid() {
      return pid;
    }

    @Override
    public void stop(int graceSeconds) {
      try {
        cri.runtime().withDeadlineAfter(graceSeconds + 30L, TimeUnit.SECONDS).stopContainer(
            StopContainerRequest.newBuilder().setContainerId(id).setTimeout(graceSeconds)
                .build());
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
          System.err.println("kubelet: cannot stop container " + id + ": " + e.getStatus().getCode() + " "
            + e.getStatus().getDescription());
        }
      }
      remove(id);
      removed(last);
    }

    @Override
    public String toString() {
      return "container " + id.substring(0, Math.min(12, id.length())) + " pid " + pid;
    }
  }
}
