package io.mqttcluster.broker.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A password file: one {@code user:$7$...} line per user, {@code #} comments and blank lines ignored; the
 * format of Mosquitto 2.0's {@code mosquitto_passwd}, so files move both ways.
 */
public final class PasswordFile {

    private final Map<String, PasswordHash> users;

    private PasswordFile(Map<String, PasswordHash> users) {
        this.users = Collections.unmodifiableMap(users);
    }

    public static PasswordFile empty() {
        return new PasswordFile(new LinkedHashMap<>());
    }

    /** Reads and checks the whole file; any bad line fails it with "file:line: problem". */
    public static PasswordFile load(Path file) throws IOException {
        return parse(file.toString(), Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    static PasswordFile parse(String name, List<String> lines) {
        Map<String, PasswordHash> users = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException(name + ":" + (i + 1) + ": expected user:hash");
            }
            String user = line.substring(0, colon);
            if (users.containsKey(user)) {
                throw new IllegalArgumentException(name + ":" + (i + 1) + ": user '" + user + "' appears twice");
            }
            try {
                users.put(user, PasswordHash.parse(line.substring(colon + 1)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + ":" + (i + 1) + ": user '" + user + "': " + e.getMessage());
            }
        }
        return new PasswordFile(users);
    }

    public PasswordHash hashOf(String user) {
        return users.get(user);
    }

    public int size() {
        return users.size();
    }

    public Map<String, PasswordHash> users() {
        return users;
    }

    /**
     * Sets (adds or replaces) one user's hash in the file, or removes the user when {@code hash} is null,
     * keeping every other line as it was. The file is replaced atomically and readable by its owner only.
     *
     * @return whether the user was in the file before
     */
    public static boolean update(Path file, String user, PasswordHash hash) throws IOException {
        if (user.isEmpty() || user.contains(":") || user.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("a user name must be non-empty, without ':' or control characters");
        }
        List<String> lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
        parse(file.toString(), lines); // refuse to rewrite a file that is already broken
        List<String> out = new ArrayList<>();
        boolean found = false;
        for (String line : lines) {
            String t = line.strip();
            if (!t.startsWith("#") && t.startsWith(user + ":")) {
                found = true;
                if (hash != null) {
                    out.add(user + ":" + hash.encode());
                }
            } else {
                out.add(line);
            }
        }
        if (!found && hash != null) {
            out.add(user + ":" + hash.encode());
        }
        Path dir = file.toAbsolutePath().getParent();
        Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
        try {
            try {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system
            }
            Files.write(tmp, out, StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
        return found;
    }
}
