package io.mqttcluster.bench.cli;

import java.security.SecureRandom;

/** A short random id per bench process, used in the default client id prefix and topic root. */
final class RunId {
    static final String VALUE = String.format("%04x", new SecureRandom().nextInt(0x10000));

    private RunId() {
    }
}
