package io.mqttcluster.cluster.forward;

/**
 * Where peer authentication plugs into the {@link ClusterBus}: the HELLO that opens every connection carries a
 * MAC field, filled by {@link #helloMac} on the connecting node and checked by {@link #acceptHello} on the
 * accepting one. {@link #NONE}, the default, sends an empty MAC and accepts every HELLO.
 *
 * <p>A MAC over these fields alone can be replayed by whoever saw it; a real scheme wants a nonce from the
 * accepting side first (the RESUME frame has a MAC field reserved for the answer). Called on event loops:
 * must not block.
 */
public interface PeerAuth {

    PeerAuth NONE = new PeerAuth() {
        @Override
        public byte[] helloMac(String from, String to, long stream) {
            return new byte[0];
        }

        @Override
        public boolean acceptHello(String from, String to, long stream, byte[] mac) {
            return true;
        }
    };

    /** The MAC this node puts into its HELLO to {@code to}; at most 65,535 bytes. */
    byte[] helloMac(String from, String to, long stream);

    /** Whether a HELLO from {@code from} is accepted; false closes the connection. */
    boolean acceptHello(String from, String to, long stream, byte[] mac);
}
