package io.mqttcluster.broker.cluster;

import io.mqttcluster.broker.config.BrokerConfig;
import io.mqttcluster.broker.config.ConfigException;
import io.mqttcluster.cluster.forward.PeerAuth;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** cluster.secret-file: read once, a bad file stops start-up naming the key, the cluster name follows the secret. */
class ClusterSecretTest {

    @TempDir
    Path dir;

    private static BrokerConfig withFile(Path file) {
        return BrokerConfig.defaults().with(Map.of("cluster.secret-file", file.toString()));
    }

    @Test
    void noFile_noAuthentication_clusterNameUnchanged() {
        BrokerConfig c = BrokerConfig.defaults();
        PeerAuth auth = ClusterSecret.load(c);
        assertThat(auth).isSameAs(PeerAuth.NONE);
        assertThat(ClusterSecret.hazelcastClusterName(c, auth)).isEqualTo("mqtt-cluster");
    }

    @Test
    void secretFile_trailingNewlineIgnored_clusterNameDerivedFromSecret() throws Exception {
        Path a = Files.writeString(dir.resolve("a"), "c2VjcmV0IG9mIHRoZSBjbHVzdGVyIG9uZQ==\n");
        Path b = Files.writeString(dir.resolve("b"), "c2VjcmV0IG9mIHRoZSBjbHVzdGVyIG9uZQ==");
        Path other = Files.writeString(dir.resolve("c"), "c2VjcmV0IG9mIHRoZSBjbHVzdGVyIHR3bw==\n");

        String nameA = ClusterSecret.hazelcastClusterName(withFile(a), ClusterSecret.load(withFile(a)));
        String nameB = ClusterSecret.hazelcastClusterName(withFile(b), ClusterSecret.load(withFile(b)));
        String nameOther = ClusterSecret.hazelcastClusterName(withFile(other), ClusterSecret.load(withFile(other)));

        assertThat(ClusterSecret.load(withFile(a)).enabled()).isTrue();
        assertThat(nameA).startsWith("mqtt-cluster-").isEqualTo(nameB).isNotEqualTo(nameOther);
        assertThat(nameA).doesNotContain("c2VjcmV0");
    }

    @Test
    void missingEmptyOrShortFile_stopsStartup_namingTheKey() throws Exception {
        Path missing = dir.resolve("missing");
        Path empty = Files.writeString(dir.resolve("empty"), "\n");
        Path shortOne = Files.writeString(dir.resolve("short"), "password\n");

        for (Path p : new Path[]{missing, empty, shortOne}) {
            assertThatThrownBy(() -> ClusterSecret.load(withFile(p))).isInstanceOf(ConfigException.class)
                    .hasMessageContaining("cluster.secret-file").hasMessageContaining(p.toString());
        }
        assertThatThrownBy(() -> ClusterSecret.load(withFile(shortOne))).hasMessageContaining("at least 16");
    }
}
