package io.mqttcluster.faults;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The faults module's dependency rules, checked on its compiled classes: no two packages depend on each other
 * (directly or around a circle), and the harness imports no code of the modules it tests: it starts the broker
 * nodes and the gateway as processes (their jars) and talks to them only over MQTT, HTTP and signals, so a bug in
 * their code cannot hide in the checker.
 */
class ArchitectureTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.mqttcluster.faults");

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("io.mqttcluster.(**)").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void importsNoCodeOfTheModulesItTests() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.mqttcluster.broker..", "io.mqttcluster.cluster..",
                "io.mqttcluster.gateway..", "io.mqttcluster.bench..").check(MAIN);
    }
}
