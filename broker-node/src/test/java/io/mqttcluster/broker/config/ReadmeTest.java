package io.mqttcluster.broker.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The README's configuration reference stays true: every key, with its default and variable, is in it. */
class ReadmeTest {

    @Test
    void readme_documentsEveryConfigurationKeyWithItsDefault() throws Exception {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme);
        for (Setting s : BrokerConfig.SETTINGS) {
            assertThat(text).as("README documents %s", s.key()).contains("`" + s.key() + "`");
            assertThat(text).as("README names %s", s.envName()).contains("`" + s.envName() + "`");
            if (!s.defaultValue().isEmpty()) {
                assertThat(text).as("README gives the default of %s", s.key())
                        .contains("`" + s.key() + "` | `" + s.defaultValue() + "`");
            }
        }
    }
}
