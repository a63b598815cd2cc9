package io.mqttcluster.cluster;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the Hazelcast member offers on the network: its port on the cluster address only, and only the member
 * protocol there (a Hazelcast client that knows the cluster name gets nothing).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ClusterNodeNetworkTest {

    static List<ClusterNode> members;

    @BeforeAll
    static void start() throws Exception {
        members = TestMembers.start("net-a");
    }

    @AfterAll
    static void stop() {
        TestMembers.close(members);
    }

    private static int port() {
        return members.get(0).hazelcast().getCluster().getLocalMember().getAddress().getPort();
    }

    @Test
    void memberPort_boundToClusterHostOnly_notToOtherLocalAddresses() throws Exception {
        try (Socket ok = new Socket()) {
            ok.connect(new InetSocketAddress("127.0.0.1", port()), 2000);
        }
        // another address of the same machine (loopback, so nothing leaves it): refused when bound to 127.0.0.1 alone
        assertThatThrownBy(() -> {
            try (Socket other = new Socket()) {
                other.connect(new InetSocketAddress("127.0.0.2", port()), 2000);
            }
        }).isInstanceOf(ConnectException.class);
    }

    @Test
    void hazelcastClient_knowingTheClusterName_cannotConnect() {
        ClientConfig cc = new ClientConfig();
        cc.setClusterName(members.get(0).hazelcast().getConfig().getClusterName());
        cc.getNetworkConfig().addAddress("127.0.0.1:" + port()).setConnectionTimeout(2000);
        cc.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(3000);
        cc.setProperty("hazelcast.phone.home.enabled", "false");

        assertThatThrownBy(() -> HazelcastClient.newHazelcastClient(cc).shutdown()).isInstanceOf(IllegalStateException.class);
        assertThat(members.get(0).memberCount()).isEqualTo(1);
    }
}
