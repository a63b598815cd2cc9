package io.mqttcluster.broker.auth;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code java -jar broker-node.jar passwd [options] FILE USER [PASSWORD]}: adds a user to a password file,
 * changes a user's password, or removes a user. Nodes pick the change up on their own (the file is checked
 * every security.reload-interval, or at once on SIGHUP).
 */
public final class PasswdCommand {

    static final String USAGE = """
            Usage: java -jar broker-node.jar passwd [options] FILE USER
                   java -jar broker-node.jar passwd -b [options] FILE USER PASSWORD
                   java -jar broker-node.jar passwd -D FILE USER

            Adds USER to the password file FILE (created if missing), or sets a new password for USER.
            The password is asked for twice on a terminal, or read as one line from standard input.
            The file has one user:$7$... line per user (PBKDF2-SHA512, Mosquitto 2.0's format).

            Options:
              -b                 take the password from the command line (it is visible to other users
                                 of this machine in the process list: prefer the prompt or standard input)
              -D                 delete USER
              --iterations N     PBKDF2 iterations (default %d; more is slower to check and to crack)
            """.formatted(PasswordHash.DEFAULT_ITERATIONS);

    private PasswdCommand() {
    }

    /** @return the process exit code: 0 done, 1 failed, 2 bad usage */
    public static int run(String[] args, Console console, InputStream in, PrintStream out, PrintStream err) {
        boolean batch = false;
        boolean delete = false;
        int iterations = PasswordHash.DEFAULT_ITERATIONS;
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "-h", "--help" -> {
                    out.print(USAGE);
                    return 0;
                }
                case "-b" -> batch = true;
                case "-D" -> delete = true;
                case "--iterations" -> {
                    if (i + 1 >= args.length) {
                        err.println("error: --iterations needs a number");
                        return 2;
                    }
                    try {
                        iterations = Integer.parseInt(args[++i]);
                    } catch (NumberFormatException e) {
                        err.println("error: --iterations needs a number, got '" + args[i] + "'");
                        return 2;
                    }
                    if (iterations < PasswordHash.MIN_ITERATIONS || iterations > PasswordHash.MAX_ITERATIONS) {
                        err.println("error: --iterations must be between " + PasswordHash.MIN_ITERATIONS + " and "
                                + PasswordHash.MAX_ITERATIONS);
                        return 2;
                    }
                }
                default -> {
                    if (args[i].startsWith("-") && args[i].length() > 1) {
                        err.println("error: unknown option " + args[i]);
                        err.print(USAGE);
                        return 2;
                    }
                    positional.add(args[i]);
                }
            }
        }
        int expected = batch ? 3 : 2;
        if (positional.size() != expected || (delete && batch)) {
            err.print(USAGE);
            return 2;
        }
        Path file = Path.of(positional.get(0));
        String user = positional.get(1);
        try {
            if (delete) {
                boolean was = PasswordFile.update(file, user, null);
                out.println(was ? "removed " + user + " from " + file : user + " was not in " + file);
                return 0;
            }
            byte[] password;
            if (batch) {
                password = positional.get(2).getBytes(StandardCharsets.UTF_8);
            } else {
                password = readPassword(console, in, err);
                if (password == null) {
                    return 1;
                }
            }
            if (password.length == 0) {
                err.println("error: empty password");
                return 1;
            }
            PasswordHash hash = PasswordHash.create(password, iterations);
            Arrays.fill(password, (byte) 0);
            boolean was = PasswordFile.update(file, user, hash);
            out.println((was ? "changed the password of " : "added ") + user + " in " + file);
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return 1;
        } catch (IOException e) {
            err.println("error: cannot write " + file + ": " + e.getMessage());
            return 1;
        }
    }

    private static byte[] readPassword(Console console, InputStream in, PrintStream err) throws IOException {
        if (console != null) {
            char[] a = console.readPassword("Password: ");
            char[] b = console.readPassword("Password again: ");
            if (a == null || b == null) {
                return null;
            }
            if (!Arrays.equals(a, b)) {
                err.println("error: the passwords differ");
                return null;
            }
            byte[] bytes = new String(a).getBytes(StandardCharsets.UTF_8);
            Arrays.fill(a, '\0');
            Arrays.fill(b, '\0');
            return bytes;
        }
        String line = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).readLine();
        if (line == null) {
            err.println("error: no password on standard input");
            return null;
        }
        return line.getBytes(StandardCharsets.UTF_8);
    }
}
