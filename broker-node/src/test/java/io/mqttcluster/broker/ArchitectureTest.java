package io.mqttcluster.broker;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * broker-node's dependency rules, checked on its compiled classes. The packages form layers, each using only
 * the ones below it:
 * <pre>
 *   node (this package: Main, BrokerNode, Broker and what watches the whole node)
 *   http (health, metrics, admin)          connection (Netty pipeline, listeners, TLS)
 *   channel (one client's protocol state)
 *   session (client ids, claims, takeovers, expiry)
 *   pubsub (subscriptions, routing, dispatch)
 *   cluster (this node's state and its link to the others)      auth (passwords, ACL)
 *   metrics, config, mqtt (reason codes)
 * </pre>
 * and the cluster module underneath. A new import against the arrows fails here, naming the two classes.
 */
class ArchitectureTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.mqttcluster.broker");

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("io.mqttcluster.(**)").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void layersUseOnlyTheLayersBelow() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("Node").definedBy("io.mqttcluster.broker")
                .layer("Http").definedBy("io.mqttcluster.broker.http..")
                .layer("Connection").definedBy("io.mqttcluster.broker.connection..")
                .layer("ClientProtocol").definedBy("io.mqttcluster.broker.protocol..")
                .layer("Session").definedBy("io.mqttcluster.broker.session..")
                .layer("PubSub").definedBy("io.mqttcluster.broker.pubsub..")
                .layer("Cluster").definedBy("io.mqttcluster.broker.cluster..")
                .layer("Auth").definedBy("io.mqttcluster.broker.auth..")
                .layer("Base").definedBy("io.mqttcluster.broker.metrics..", "io.mqttcluster.broker.config..",
                        "io.mqttcluster.broker.mqtt..")
                .whereLayer("Node").mayNotBeAccessedByAnyLayer()
                .whereLayer("Http").mayOnlyBeAccessedByLayers("Node")
                .whereLayer("Connection").mayOnlyBeAccessedByLayers("Node")
                .whereLayer("ClientProtocol").mayOnlyBeAccessedByLayers("Node", "Http", "Connection")
                .whereLayer("Session").mayOnlyBeAccessedByLayers("Node", "Http", "Connection", "ClientProtocol")
                .whereLayer("PubSub").mayOnlyBeAccessedByLayers("Node", "Http", "Connection", "ClientProtocol", "Session")
                .whereLayer("Cluster").mayOnlyBeAccessedByLayers("Node", "Http", "Connection", "ClientProtocol", "Session", "PubSub")
                .whereLayer("Auth").mayOnlyBeAccessedByLayers("Node", "Http", "Connection", "ClientProtocol")
                .check(MAIN);
    }

    /** {@code ctl} is a client of the HTTP API like any other: it reaches the cluster only through HTTP. */
    @Test
    void ctlUsesOnlyHttpAndJson() {
        classes().that().resideInAPackage("io.mqttcluster.broker.ctl..").should().onlyDependOnClassesThat()
                .resideInAnyPackage("java..", "io.vertx.core.json..", "io.mqttcluster.broker.ctl..",
                        "io.mqttcluster.broker.config..")
                .check(MAIN);
    }

    @Test
    void dependsOnTheClusterModuleOnly() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.mqttcluster.gateway..",
                "io.mqttcluster.bench..", "io.mqttcluster.faults..").check(MAIN);
    }
}
