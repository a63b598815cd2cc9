package io.mqttcluster.broker.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The configuration reference (docs/configuration.md) stays true: every key, with its default and variable, is in
 * it. scripts/update-config-docs.sh regenerates its table.
 */
class ConfigurationDocsTest {

    @Test
    void configurationDoc_documentsEveryConfigurationKeyWithItsDefault() throws Exception {
        Path doc = Path.of("..", "docs", "configuration.md");
        String text = Files.readString(doc);
        for (Setting s : BrokerConfig.SETTINGS) {
            assertThat(text).as("docs/configuration.md documents %s", s.key()).contains("`" + s.key() + "`");
            assertThat(text).as("docs/configuration.md names %s", s.envName()).contains("`" + s.envName() + "`");
            if (!s.defaultValue().isEmpty()) {
                assertThat(text).as("docs/configuration.md gives the default of %s", s.key())
                        .contains("`" + s.key() + "` | `" + s.defaultValue() + "`");
            }
        }
    }
}
