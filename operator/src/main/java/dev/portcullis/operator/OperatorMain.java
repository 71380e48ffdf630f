package dev.portcullis.operator;

/** Placeholder until the operator issue lands: the module exists so the build has its final shape. */
public final class OperatorMain {
    private OperatorMain() {}

    public static void main(String[] args) {
        System.err.println("portcullis-operator: not built yet");
        System.exit(1);
    }
}
