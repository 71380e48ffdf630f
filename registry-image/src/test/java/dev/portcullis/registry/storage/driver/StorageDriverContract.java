package dev.portcullis.registry.storage.driver;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.registry.storage.StorageLock;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link StorageDriver} promises the registry layer, as the interface's javadoc states it. A driver passes
 * when a subclass that builds it passes; {@link #replica()} is a second instance on the same store, as another
 * registry pod has.
 */
public abstract class StorageDriverContract {
    /** A fresh, empty store for one test. */
    protected abstract StorageDriver newDriver() throws Exception;

    /** Another instance on the store {@link #newDriver()} made last. */
    protected abstract StorageDriver replica() throws Exception;

    /** Bytes past which a driver writes in parts (an object store's part size), so a test crosses it; 0 if none. */
    protected int partSize() {
        return 0;
    }

    protected StorageDriver driver;

    @BeforeEach
    void freshDriver() throws Exception {
        driver = newDriver();
    }

    @AfterEach
    void closeDriver() throws Exception {
        driver.close();
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] read(StorageDriver d, String path, long offset) throws IOException {
        try (InputStream in = d.reader(path, offset)) {
            return in.readAllBytes();
        }
    }

    private static void write(FileWriter w, byte[] content) throws IOException {
        w.write(content, 0, content.length);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void contentIsPutReplacedAndRead() throws Exception {
        driver.putContent("/a/b/c", bytes("one"));
        assertArrayEquals(bytes("one"), driver.getContent("/a/b/c"));
        driver.putContent("/a/b/c", bytes("two, longer"));
        assertArrayEquals(bytes("two, longer"), driver.getContent("/a/b/c"));
        assertArrayEquals(bytes("two, longer"), replica().getContent("/a/b/c"), "another instance sees it");
        driver.putContent("/a/empty", new byte[0]);
        assertEquals(0, driver.getContent("/a/empty").length);
    }

    @Test
    void absentPathsAreNoSuchFile() {
        NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> driver.getContent("/no/such"));
        assertTrue(e.getMessage().contains("/no/such"), e.getMessage());
        assertThrows(NoSuchFileException.class, () -> driver.reader("/no/such", 0));
        assertThrows(NoSuchFileException.class, () -> driver.stat("/no/such"));
        assertThrows(NoSuchFileException.class, () -> driver.writer("/no/such", true));
        assertThrows(NoSuchFileException.class, () -> driver.move("/no/such", "/elsewhere"));
    }

    @Test
    void invalidPathsAreRefused() {
        for (String bad : List.of("relative", "/trailing/", "/a//b", "/a/../b", "/a/./b", "/sp ace", "/a/b\n")) {
            assertThrows(IllegalArgumentException.class, () -> driver.getContent(bad), bad);
            assertThrows(IllegalArgumentException.class, () -> driver.putContent(bad, new byte[1]), bad);
        }
    }

    @Test
    void readerStartsAtTheOffset() throws Exception {
        byte[] content = random(100_000, 1);
        driver.putContent("/blob", content);
        assertArrayEquals(content, read(driver, "/blob", 0));
        assertArrayEquals(Arrays.copyOfRange(content, 4321, content.length), read(driver, "/blob", 4321));
        assertEquals(0, read(driver, "/blob", content.length).length);
    }

    @Test
    void aNewFileAppearsAtCommitOnly() throws Exception {
        byte[] content = random(Math.max(3 * partSize() / 2, 70_000), 2);
        driver.putContent("/w/file", bytes("old"));
        try (FileWriter w = driver.writer("/w/file", false)) {
            write(w, content);
            assertEquals(content.length, w.size());
            assertArrayEquals(bytes("old"), driver.getContent("/w/file"), "replaced only at commit");
            w.commit();
        }
        assertArrayEquals(content, read(driver, "/w/file", 0));
        try (FileWriter w = driver.writer("/w/never", false)) {
            write(w, content);
        }
        assertThrows(NoSuchFileException.class, () -> driver.stat("/w/never"), "closed without commit: no file");
    }

    @Test
    void appendingContinuesAcrossWritersAndInstances() throws Exception {
        int size = Math.max(partSize(), 50_000);
        byte[] first = random(size + 123, 3);
        byte[] second = random(size / 2, 4);
        byte[] third = random(size * 2 + 7, 5);
        driver.putContent("/up/data", new byte[0]);
        try (FileWriter w = driver.writer("/up/data", true)) {
            assertEquals(0, w.size());
            write(w, first);
            w.commit();
        }
        try (FileWriter w = replica().writer("/up/data", true)) {
            assertEquals(first.length, w.size(), "another instance continues where the first left off");
            write(w, second);
            w.commit();
        }
        try (FileWriter w = driver.writer("/up/data", true)) {
            assertEquals(first.length + second.length, w.size());
            write(w, third);
            assertEquals(first.length + second.length + third.length, w.size());
            w.commit();
        }
        byte[] all = concat(concat(first, second), third);
        assertEquals(all.length, driver.stat("/up/data").size());
        assertArrayEquals(all, read(driver, "/up/data", 0));
    }

    @Test
    void aCancelledAppendLeavesTheFileAsItWas() throws Exception {
        byte[] first = random(Math.max(partSize(), 10_000) + 17, 6);
        driver.putContent("/up/data", new byte[0]);
        try (FileWriter w = driver.writer("/up/data", true)) {
            write(w, first);
            w.commit();
        }
        try (FileWriter w = driver.writer("/up/data", true)) {
            write(w, random(Math.max(partSize(), 10_000) * 2, 7));
            w.cancel();
        }
        try (FileWriter w = driver.writer("/up/data", true)) {
            write(w, random(1000, 8));
            // closed without commit: cancelled too
        }
        assertEquals(first.length, driver.stat("/up/data").size());
        byte[] more = random(999, 9);
        try (FileWriter w = driver.writer("/up/data", true)) {
            assertEquals(first.length, w.size());
            write(w, more);
            w.commit();
        }
        assertArrayEquals(concat(first, more), read(driver, "/up/data", 0));
    }

    @Test
    void statTellsFilesFromDirectories() throws Exception {
        Instant before = Instant.now().minusSeconds(2);
        driver.putContent("/s/dir/file", bytes("12345"));
        FileInfo file = driver.stat("/s/dir/file");
        assertEquals("/s/dir/file", file.path());
        assertEquals(5, file.size());
        assertFalse(file.directory());
        assertTrue(file.modified().isAfter(before), file.modified() + " is now");
        assertTrue(driver.stat("/s/dir").directory());
        assertTrue(driver.stat("/s").directory());
    }

    @Test
    void listGivesDirectChildrenInOrder() throws Exception {
        driver.putContent("/l/b/x", bytes("1"));
        driver.putContent("/l/a", bytes("2"));
        driver.putContent("/l/c/d/e", bytes("3"));
        driver.putContent("/l/b/y", bytes("4"));
        driver.putContent("/lx", bytes("not under /l"));
        assertEquals(List.of("/l/a", "/l/b", "/l/c"), driver.list("/l"));
        assertEquals(List.of("/l/b/x", "/l/b/y"), driver.list("/l/b"));
        assertEquals(List.of(), driver.list("/nothing/here"));
        assertTrue(driver.list("/").containsAll(List.of("/l", "/lx")), driver.list("/").toString());
    }

    @Test
    void moveReplacesTheDestination() throws Exception {
        byte[] content = random(Math.max(partSize(), 20_000) + 1, 10);
        driver.putContent("/m/source", content);
        driver.putContent("/m/target/data", bytes("old"));
        driver.move("/m/source", "/m/target/data");
        assertArrayEquals(content, read(driver, "/m/target/data", 0));
        assertThrows(NoSuchFileException.class, () -> driver.stat("/m/source"));
        driver.move("/m/target/data", "/m/new/dir/data");
        assertArrayEquals(content, read(driver, "/m/new/dir/data", 0));
    }

    @Test
    void deleteRemovesFilesAndTreesAndIgnoresTheAbsent() throws Exception {
        driver.putContent("/d/a/1", bytes("1"));
        driver.putContent("/d/a/b/2", bytes("2"));
        driver.putContent("/d/ab", bytes("sibling with a common prefix"));
        driver.putContent("/d/c", bytes("3"));
        driver.delete("/d/c");
        assertThrows(NoSuchFileException.class, () -> driver.stat("/d/c"));
        driver.delete("/d/a");
        assertThrows(NoSuchFileException.class, () -> driver.stat("/d/a/b/2"));
        assertArrayEquals(bytes("sibling with a common prefix"), driver.getContent("/d/ab"));
        assertEquals(List.of("/d/ab"), driver.list("/d"));
        driver.delete("/d/a");
        driver.delete("/never/was");
    }

    @Test
    void walkVisitsEveryFileBelow() throws Exception {
        driver.putContent("/w/1", bytes("a"));
        driver.putContent("/w/x/2", bytes("bb"));
        driver.putContent("/w/x/y/z/3", bytes("ccc"));
        driver.putContent("/wx/4", bytes("not below /w"));
        Map<String, Long> seen = new TreeMap<>();
        driver.walk("/w", f -> {
            assertFalse(f.directory());
            seen.put(f.path(), f.size());
        });
        assertEquals(Map.of("/w/1", 1L, "/w/x/2", 2L, "/w/x/y/z/3", 3L), seen);
        List<FileInfo> none = new ArrayList<>();
        driver.walk("/absent", none::add);
        assertTrue(none.isEmpty());
    }

    @Test
    void touchMovesTheTimeAndCreatesNothing() throws Exception {
        driver.putContent("/t/link", bytes("sha256:abc"));
        Instant written = driver.stat("/t/link").modified();
        Thread.sleep(1100); // object stores keep seconds
        assertTrue(driver.touch("/t/link"));
        assertTrue(driver.stat("/t/link").modified().isAfter(written));
        assertArrayEquals(bytes("sha256:abc"), driver.getContent("/t/link"), "content unchanged");
        assertFalse(driver.touch("/t/absent"));
        assertThrows(NoSuchFileException.class, () -> driver.stat("/t/absent"));
    }

    @Test
    void oneLockHolderAcrossInstances() throws Exception {
        Optional<StorageLock> first = driver.tryLock("/locks/gc", Duration.ofMinutes(5));
        assertTrue(first.isPresent());
        assertTrue(replica().tryLock("/locks/gc", Duration.ofMinutes(5)).isEmpty(), "held elsewhere");
        assertTrue(driver.tryLock("/locks/other", Duration.ofMinutes(5)).isPresent(), "locks are independent");
        assertTrue(first.get().renew());
        first.get().close();
        Optional<StorageLock> second = replica().tryLock("/locks/gc", Duration.ofMinutes(5));
        assertTrue(second.isPresent(), "released, so free");
        second.get().close();
    }

    @Test
    void anExpiredLockIsTakenOverAndItsHolderLearnsIt() throws Exception {
        Optional<StorageLock> crashed = driver.tryLock("/locks/gc", Duration.ofMillis(300));
        assertTrue(crashed.isPresent());
        Thread.sleep(1200);
        Optional<StorageLock> taken = replica().tryLock("/locks/gc", Duration.ofMinutes(5));
        assertTrue(taken.isPresent());
        assertFalse(crashed.get().renew());
        crashed.get().close();
        assertTrue(driver.tryLock("/locks/gc", Duration.ofMinutes(5)).isEmpty(), "closing a lost lock releases nothing");
        taken.get().close();
    }

    /**
     * The store refusing one call, as a full or read-only store refuses a write: the default readiness probe must say
     * which of its steps failed, and leave no probe file behind.
     */
    private StorageDriver refusing(String method) {
        return (StorageDriver) java.lang.reflect.Proxy.newProxyInstance(StorageDriver.class.getClassLoader(),
                new Class<?>[] {StorageDriver.class}, (proxy, m, args) -> {
                    if (m.getName().equals("healthCheck")) {
                        return java.lang.reflect.InvocationHandler.invokeDefault(proxy, m, args);
                    }
                    if (m.getName().equals(method)) {
                        throw new IOException("store refused " + method);
                    }
                    try {
                        return m.invoke(driver, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private String probeFailure(String refusedMethod) {
        IOException e = assertThrows(IOException.class, () -> refusing(refusedMethod).healthCheck("/_scratch/probe"));
        return e.getMessage();
    }

    @Test
    void theDefaultProbeNamesAFailedWriteAndLeavesNoFile() throws Exception {
        assertEquals("writing the probe file /_scratch/probe failed: store refused putContent", probeFailure("putContent"));
        assertThrows(NoSuchFileException.class, () -> driver.getContent("/_scratch/probe"));
    }

    @Test
    void theDefaultProbeNamesAFailedReadBackAndLeavesNoFile() throws Exception {
        assertEquals("reading back the probe file /_scratch/probe failed: store refused getContent",
                probeFailure("getContent"));
        assertThrows(NoSuchFileException.class, () -> driver.getContent("/_scratch/probe"));
    }

    @Test
    void theDefaultProbeNamesAFailedDelete() throws Exception {
        assertEquals("deleting the probe file /_scratch/probe failed: store refused delete", probeFailure("delete"));
    }
}
