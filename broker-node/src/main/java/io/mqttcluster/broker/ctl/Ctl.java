package io.mqttcluster.broker.ctl;

import io.mqttcluster.broker.config.Setting;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * {@code java -jar broker-node.jar ctl ...}: the command-line client of a node's admin API ({@code /api/v1},
 * see docs/console-and-cli.md) and of a gateway's {@code /route} and {@code /nodes}. It prints aligned tables for
 * people, or with {@code --json} the API's JSON for scripts, and ends with an exit code a script can test
 * ({@link #EXIT_OK} ... {@link #EXIT_CONFLICT}). Actions (kick, delete, drain) ask for no confirmation.
 */
public final class Ctl {

    public static final int EXIT_OK = 0;
    /** The server failed, answered something unexpected, or could not be reached. */
    public static final int EXIT_ERROR = 1;
    /** The command line is wrong (or the server refused a parameter: 400). */
    public static final int EXIT_USAGE = 2;
    /** 404: no such client, session or node. */
    public static final int EXIT_NOT_FOUND = 3;
    /** 401/403: no token, a wrong token, or a token without the right. */
    public static final int EXIT_REFUSED = 4;
    /** 409: the server refused the action in the state things are in. */
    public static final int EXIT_CONFLICT = 5;

    static final String DEFAULT_URL = "http://127.0.0.1:8081";
    static final String DEFAULT_GATEWAY = "http://127.0.0.1:8090";
    static final String DEFAULT_TIMEOUT = "10s";
    static final Set<String> GLOBAL_OPTIONS = Set.of("--url", "--token-file", "--json", "--timeout", "--help");

    static final String USAGE = """
            Usage: java -jar broker-node.jar ctl [global options] COMMAND [options]

            Commands:
              clients list [--prefix P] [--user U] [--node N] [--state connected|offline]
                           [--limit N] [--after CURSOR] [--all]
                                            clients and sessions, one page (--all: every page)
              clients show ID               one client's session: connection, queue, subscriptions, will
              clients kick ID               close the client's connection (its session stays)
              sessions delete ID            close the connection if any and remove the session
              subscriptions [--filter F] [--client ID] [--limit N] [--after CURSOR] [--all]
              retained [--filter F] [--limit N] [--after CURSOR] [--all]
                                            retained messages (F defaults to #) with a payload preview
              cluster status                members, readiness, connections, message counters, quorum
              node drain NAME               the node takes no new clients (the gateway moves them away)
              node undrain NAME             the node takes new clients again
              gateway route ID [--gateway URL]
                                            which node a gateway sends this client id to, and the fallbacks
              gateway nodes [--gateway URL] the nodes as a gateway sees them (default %s)

            Global options:
              --url URL          a node's HTTP address (default %s, or $MQTTC_CTL_URL); any node
                                 answers for the whole cluster
              --token-file FILE  send the token in FILE as "Authorization: Bearer" (or $MQTTC_CTL_TOKEN_FILE)
              --json             print the server's JSON unchanged, one document (with --all: one
                                 {"items": [...], "next": null} holding every page)
              --timeout T        for each HTTP call, e.g. 5s or 500ms (default %s)
              --help             this text

            Exit codes:
              0  success
              1  server or connection error
              2  usage error (also when the server refuses a parameter: HTTP 400)
              3  not found (HTTP 404)
              4  refused (HTTP 401/403: no token, a wrong one, or one without the right)
              5  conflict (HTTP 409)
            """.formatted(DEFAULT_GATEWAY, DEFAULT_URL, DEFAULT_TIMEOUT);

    private Ctl() {
    }

    /**
     * Runs one command.
     *
     * @param env the environment ({@code MQTTC_CTL_URL}, {@code MQTTC_CTL_TOKEN_FILE})
     * @return the process exit code
     */
    public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        try {
            CtlArgs a = CtlArgs.parse(args);
            if (a.flag("--help") || (!a.words().isEmpty() && a.words().get(0).equals("help"))) {
                out.print(USAGE);
                return EXIT_OK;
            }
            if (a.words().isEmpty()) {
                err.print(USAGE);
                return EXIT_USAGE;
            }
            Duration timeout = timeout(a.option("--timeout"));
            Commands commands = new Commands(a, out,
                    () -> new ApiClient(httpUri("--url", a.option("--url"), env.get("MQTTC_CTL_URL"), DEFAULT_URL),
                            token(a.option("--token-file"), env.get("MQTTC_CTL_TOKEN_FILE")), timeout),
                    () -> new ApiClient(httpUri("--gateway", a.option("--gateway"), null, DEFAULT_GATEWAY), null, timeout));
            commands.run();
            return EXIT_OK;
        } catch (CtlArgs.UsageException e) {
            err.println("error: " + e.getMessage());
            err.println("run 'ctl --help' for the commands and options");
            return EXIT_USAGE;
        } catch (ApiClient.CallFailed e) {
            err.println("error: " + e.getMessage());
            return e.exitCode;
        }
    }

    static Duration timeout(String value) {
        String v = value == null ? DEFAULT_TIMEOUT : value;
        try {
            long ms = Setting.parseDurationMillis(v);
            if (ms <= 0) {
                throw new IllegalArgumentException("not positive");
            }
            return Duration.ofMillis(ms);
        } catch (IllegalArgumentException e) {
            throw new CtlArgs.UsageException("--timeout expects a duration like 5s or 500ms, not '" + v + "'");
        }
    }

    static URI httpUri(String option, String value, String fromEnv, String def) {
        String v = value != null ? value : fromEnv != null && !fromEnv.isBlank() ? fromEnv : def;
        try {
            URI u = new URI(v);
            if (!("http".equals(u.getScheme()) || "https".equals(u.getScheme())) || u.getHost() == null) {
                throw new IllegalArgumentException();
            }
            return u;
        } catch (java.net.URISyntaxException | IllegalArgumentException e) {
            throw new CtlArgs.UsageException(option + " expects an http:// or https:// address, not '" + v + "'");
        }
    }

    static String token(String file, String fromEnv) {
        String f = file != null ? file : fromEnv != null && !fromEnv.isBlank() ? fromEnv : null;
        if (f == null) {
            return null;
        }
        try {
            String t = Files.readString(Path.of(f), StandardCharsets.UTF_8).strip();
            if (t.isEmpty()) {
                throw new CtlArgs.UsageException("the token file " + f + " is empty");
            }
            return t;
        } catch (IOException e) {
            throw new CtlArgs.UsageException("cannot read the token file " + f + ": " + e.getMessage());
        }
    }
}
