package io.mqttcluster.bench.failover;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GatewaySpreadTest {

    private static final String METRICS = """
            # HELP gateway_connections Open client connections per node
            # TYPE gateway_connections gauge
            gateway_connections{node="127.0.0.1:1886"} 330.0
            gateway_connections{node="127.0.0.1:1884"} 347.0
            gateway_connections{node="127.0.0.1:1885"} 323.0
            gateway_connections_total 1000.0
            gateway_connects_total{node="127.0.0.1:1884"} 900.0
            """;

    @Test
    void parse_metricsPage_readsConnectionsPerNodeSortedByNode() {
        assertThat(GatewaySpread.parse(METRICS)).containsExactly(Map.entry("127.0.0.1:1884", 347),
                Map.entry("127.0.0.1:1885", 323), Map.entry("127.0.0.1:1886", 330));
    }

    @Test
    void parse_noSuchMetric_isEmpty() {
        assertThat(GatewaySpread.parse("up 1\n")).isEmpty();
    }

    @Test
    void busiest_isTheNodeWithTheMostConnections() {
        assertThat(GatewaySpread.busiest(GatewaySpread.parse(METRICS))).isEqualTo("127.0.0.1:1884");
    }

    @Test
    void busiest_tie_isTheFirstInNodeOrder() {
        assertThat(GatewaySpread.busiest(GatewaySpread.parse("""
                gateway_connections{node="127.0.0.1:1886"} 5
                gateway_connections{node="127.0.0.1:1885"} 5
                """))).isEqualTo("127.0.0.1:1885");
    }

    @Test
    void nodeIndex_isThePortMinus1883AsInRunLocal() {
        assertThat(GatewaySpread.nodeIndex("127.0.0.1:1884")).isEqualTo(1);
        assertThat(GatewaySpread.nodeIndex("127.0.0.1:1886")).isEqualTo(3);
    }
}
