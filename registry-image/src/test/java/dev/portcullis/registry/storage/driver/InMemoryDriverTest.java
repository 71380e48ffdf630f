package dev.portcullis.registry.storage.driver;

/** The driver contract on the in-memory driver; its "replica" is the same instance, as in one process. */
class InMemoryDriverTest extends StorageDriverContract {
    private InMemoryDriver current;

    @Override
    protected StorageDriver newDriver() {
        current = new InMemoryDriver();
        return current;
    }

    @Override
    protected StorageDriver replica() {
        return current;
    }
}
