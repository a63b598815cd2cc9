package io.mqttcluster.broker.auth;

import io.mqttcluster.broker.mqtt.ReasonCode;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The registry of methods and re-authentication (MQTT 5.0 section 4.12.1) on top of any method.
 */
class EnhancedAuthTest {

    private final PasswordFile users = ScramSha512Test.file("alice", "wonderland", "bob", "builder");
    private final ScramSha512 scram = new ScramSha512(() -> users);

    @Test
    void registry_findsAMethodByItsExactName_orNothing() {
        EnhancedAuthRegistry registry = new EnhancedAuthRegistry(List.of(scram));
        assertThat(registry.find("SCRAM-SHA-512")).containsSame(scram);
        assertThat(registry.find("scram-sha-512")).isEmpty(); // MQTT strings compare exactly
        assertThat(registry.find("SCRAM-SHA-256")).isEmpty();  // the caller answers 0x8C
        assertThat(registry.find(null)).isEmpty();
        assertThat(registry.methods()).containsExactly("SCRAM-SHA-512");
        assertThat(EnhancedAuthRegistry.none().find("SCRAM-SHA-512")).isEmpty();
        assertThat(ReasonCode.BAD_AUTHENTICATION_METHOD).isEqualTo(0x8C);
    }

    @Test
    void registry_refusesTwoMethodsOfOneName() {
        assertThatThrownBy(() -> new EnhancedAuthRegistry(List.of(scram, new ScramSha512(PasswordFile::empty))))
                .hasMessageContaining("SCRAM-SHA-512");
    }

    @Test
    void reauthentication_asTheSameUser_succeeds() {
        // [MQTT-4.12.1] the client sends AUTH 0x19 with the same method; the exchange runs as on CONNECT
        ScramTestClient client = new ScramTestClient("alice", "wonderland");
        AuthExchange ex = scram.reauthenticate("c1", "alice");
        AuthStep first = ex.step(client.clientFirst());
        assertThat(first.isContinue()).isTrue();
        AuthStep last = ex.step(client.clientFinal(first.data()));
        assertThat(last.isSuccess()).as(last.toString()).isTrue();
        assertThat(last.user()).isEqualTo("alice");
        assertThat(client.serverFinalIsValid(last.data())).isTrue();
        assertThat(ex.finished()).isTrue();
    }

    @Test
    void reauthentication_asAnotherUser_failsNotAuthorized_evenWithTheRightPassword() {
        AuthExchange ex = scram.reauthenticate("c1", "alice");
        AuthStep last = ScramSha512Test.run(ex, new ScramTestClient("bob", "builder"));
        assertThat(last.isFailure()).isTrue();
        assertThat(last.reasonCode()).isEqualTo(0x87);
        assertThat(last.user()).isNull();
        assertThat(last.data()).isNull(); // bob's server signature is not sent
        assertThat(ex.finished()).isTrue();
        assertThat(ex.step(new byte[] {1}).reasonCode()).isEqualTo(0x82);
    }

    @Test
    void reauthentication_failures_carryCodesADisconnectMayCarry() {
        // DISCONNECT (MQTT 5.0 table 3.10) has no 0x86: a wrong password on re-authentication is 0x87
        AuthStep wrong = ScramSha512Test.run(scram.reauthenticate("c1", "alice"), new ScramTestClient("alice", "nope"));
        assertThat(wrong.reasonCode()).isEqualTo(0x87);
        assertThat(wrong.reason()).contains("unknown user or wrong password");
        AuthStep malformed = scram.reauthenticate("c1", "alice").step("garbage".getBytes());
        assertThat(malformed.reasonCode()).isEqualTo(0x87);
        // the same wrong password on a CONNECT is 0x86
        assertThat(ScramSha512Test.run(scram.start("c1"), new ScramTestClient("alice", "nope")).reasonCode()).isEqualTo(0x86);
    }

    @Test
    void reauthentication_ofAUserRemovedFromTheFile_fails() {
        PasswordFile[] current = {users};
        ScramSha512 method = new ScramSha512(() -> current[0]);
        current[0] = ScramSha512Test.file("bob", "builder"); // alice removed, file reloaded
        AuthStep last = ScramSha512Test.run(method.reauthenticate("c1", "alice"), new ScramTestClient("alice", "wonderland"));
        assertThat(last.reasonCode()).isEqualTo(0x87);
    }

    @Test
    void reauthentication_wrapsAMethodThatThrows() {
        EnhancedAuth broken = new EnhancedAuth() {
            @Override
            public String method() {
                return "BROKEN";
            }

            @Override
            public AuthExchange start(String clientId) {
                return new AuthExchange() {
                    @Override
                    public AuthStep step(byte[] authData) {
                        throw new IllegalStateException("bug");
                    }

                    @Override
                    public boolean finished() {
                        return false;
                    }
                };
            }
        };
        AuthStep s = broken.reauthenticate("c", "alice").step(new byte[0]);
        assertThat(s.isFailure()).isTrue();
        assertThat(s.reasonCode()).isEqualTo(0x87);
    }
}
