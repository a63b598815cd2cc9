package io.mqttcluster.broker.ctl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parsed command line of {@code ctl}: the words (command, sub-command, arguments) and the options, which may
 * stand anywhere ({@code --url U}, {@code --url=U}, or a flag such as {@code --json}). {@code --} ends the options,
 * so a client id that starts with a dash can still be named.
 */
record CtlArgs(List<String> words, Map<String, String> options) {

    /** Options that take a value. */
    static final Set<String> VALUED = Set.of("--url", "--token-file", "--timeout", "--gateway", "--prefix", "--user",
            "--node", "--state", "--limit", "--after", "--filter", "--client");
    /** Options that are on or off. */
    static final Set<String> FLAGS = Set.of("--json", "--all", "--help");

    /** A command line that cannot be run as given: exit code 2. */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    static CtlArgs parse(String[] args) {
        List<String> words = new ArrayList<>();
        Map<String, String> options = new LinkedHashMap<>();
        boolean optionsEnded = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (optionsEnded || !a.startsWith("-") || a.equals("-")) {
                words.add(a);
                continue;
            }
            if (a.equals("--")) {
                optionsEnded = true;
                continue;
            }
            if (a.equals("-h")) {
                a = "--help";
            }
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            if (FLAGS.contains(name)) {
                if (value != null) {
                    throw new UsageException(name + " takes no value");
                }
                options.put(name, "true");
            } else if (VALUED.contains(name)) {
                if (value == null) {
                    if (i + 1 >= args.length) {
                        throw new UsageException(name + " needs a value");
                    }
                    value = args[++i];
                }
                options.put(name, value);
            } else {
                throw new UsageException("unknown option " + name);
            }
        }
        return new CtlArgs(List.copyOf(words), options);
    }

    boolean flag(String name) {
        return options.containsKey(name);
    }

    String option(String name) {
        return options.get(name);
    }

    /** Refuses any option outside the global ones and those the command names. */
    void allowOnly(String command, Set<String> commandOptions) {
        for (String name : options.keySet()) {
            if (!Ctl.GLOBAL_OPTIONS.contains(name) && !commandOptions.contains(name)) {
                throw new UsageException(name + " does not apply to '" + command + "'");
            }
        }
    }

    /** The words after the command's own, exactly {@code n} of them. */
    List<String> arguments(int commandWords, int n, String usage) {
        List<String> rest = words.subList(Math.min(commandWords, words.size()), words.size());
        if (rest.size() != n) {
            throw new UsageException((rest.size() < n ? "missing argument" : "too many arguments") + ": " + usage);
        }
        return rest;
    }
}
