package io.mqttcluster.gateway;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The gateway's dependency rules, checked on its compiled classes. Packages depend one way, from the bottom up:
 * {@code config}, {@code log} and {@code connect} (which know no other package), then {@code backend} (the nodes),
 * {@code hash} (choosing a node), {@code proxy} (the client connections), {@code metrics} (which counts what the
 * proxy and the node table report, labelled with the protocol versions and reason codes of {@code connect}),
 * {@code http}, and the bootstrap classes in the root package on top. The
 * gateway is a module of its own: it knows neither the broker nor the cluster library.
 */
class ArchitectureTest {

    private static final String ROOT = "io.mqttcluster.gateway";

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages(ROOT);

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("io.mqttcluster.(**)").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void layersDependDownwardsOnly() {
        layeredArchitecture().consideringOnlyDependenciesInLayers()
                .layer("bootstrap").definedBy(ROOT)
                .layer("http").definedBy(ROOT + ".http..")
                .layer("metrics").definedBy(ROOT + ".metrics..")
                .layer("proxy").definedBy(ROOT + ".proxy..")
                .layer("hash").definedBy(ROOT + ".hash..")
                .layer("backend").definedBy(ROOT + ".backend..")
                .layer("connect").definedBy(ROOT + ".connect..")
                .layer("log").definedBy(ROOT + ".log..")
                .layer("config").definedBy(ROOT + ".config..")
                .whereLayer("bootstrap").mayNotBeAccessedByAnyLayer()
                .whereLayer("http").mayOnlyBeAccessedByLayers("bootstrap")
                .whereLayer("metrics").mayOnlyBeAccessedByLayers("bootstrap")
                .whereLayer("proxy").mayOnlyBeAccessedByLayers("metrics", "bootstrap")
                .whereLayer("hash").mayOnlyBeAccessedByLayers("proxy", "metrics", "http", "bootstrap")
                .whereLayer("backend").mayOnlyBeAccessedByLayers("hash", "proxy", "metrics", "http", "bootstrap")
                .whereLayer("connect").mayOnlyBeAccessedByLayers("proxy", "metrics")
                .whereLayer("log").mayOnlyBeAccessedByLayers("backend", "proxy", "bootstrap")
                .whereLayer("config").mayOnlyBeAccessedByLayers("backend", "proxy", "http", "bootstrap")
                .check(MAIN);
    }

    @Test
    void bottomPackagesKnowNoOtherPackage() {
        for (String bottom : new String[] {"config", "log", "connect"}) {
            noClasses().that().resideInAPackage(ROOT + "." + bottom + "..")
                    .should().dependOnClassesThat().resideInAnyPackage(ROOT, ROOT + ".backend..", ROOT + ".hash..",
                            ROOT + ".proxy..", ROOT + ".metrics..", ROOT + ".http..")
                    .check(MAIN);
        }
    }

    @Test
    void dependsOnNoOtherModule() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.mqttcluster.broker..", "io.mqttcluster.cluster..",
                "io.mqttcluster.bench..", "io.mqttcluster.faults..").check(MAIN);
    }
}
