package io.mqttcluster.broker.auth;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * What tells that a file changed: size, modification time and identity (inode), read through symbolic
 * links, so that an editor's save, an atomic replace and a Kubernetes Secret update are all seen.
 */
public record FileStamp(Path path, long size, FileTime modified, Object key) {

    public static FileStamp of(Path p) {
        try {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
            return new FileStamp(p, a.size(), a.lastModifiedTime(), a.fileKey());
        } catch (IOException e) {
            return new FileStamp(p, -1, null, null);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FileStamp f && f.path.equals(path) && f.size == size && Objects.equals(f.modified, modified)
                && Objects.equals(f.key, key);
    }

    @Override
    public int hashCode() {
        return Objects.hash(path, size, modified);
    }
}
