package io.mqttcluster.cluster;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

/**
 * The cluster module's dependency rules, checked on its compiled classes: no two packages depend on each other
 * (directly or around a circle), and nothing here knows the broker or the gateway that build on it.
 */
class ArchitectureTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.mqttcluster.cluster");

    @Test
    void packagesAreFreeOfCycles() {
        slices().matching("io.mqttcluster.(**)").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    void dependsOnNoModuleAboveIt() {
        noClasses().should().dependOnClassesThat().resideInAnyPackage("io.mqttcluster.broker..", "io.mqttcluster.gateway..",
                "io.mqttcluster.bench..", "io.mqttcluster.faults..").check(MAIN);
    }
}
