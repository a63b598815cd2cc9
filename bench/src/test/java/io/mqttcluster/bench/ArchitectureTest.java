package io.mqttcluster.bench;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The bench module's dependency rules, checked on its compiled classes: no two packages depend on each other
 * (directly or around a circle), and the tool knows nothing of the broker it measures: it talks to it only over
 * MQTT and HTTP, so it measures mosquitto the same way.
 */
class ArchitectureTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.mqttcluster.bench");

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("io.mqttcluster.(**)").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void dependsOnNoOtherModule() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.mqttcluster.broker..", "io.mqttcluster.cluster..",
                "io.mqttcluster.gateway..", "io.mqttcluster.faults..").check(MAIN);
    }
}
