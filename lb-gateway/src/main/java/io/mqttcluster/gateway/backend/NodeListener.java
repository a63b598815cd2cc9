package io.mqttcluster.gateway.backend;

/** Told about node changes; every call comes on the control event loop. */
public interface NodeListener {

    default void nodeAdded(BackendNode node) {
    }

    default void nodeRemoved(BackendNode node) {
    }

    /** The node's health state changed from {@code before} to {@code after}. */
    default void stateChanged(BackendNode node, NodeState before, NodeState after) {
    }

    /** The node left discovery (retired) or came back into it. */
    default void retiredChanged(BackendNode node) {
    }
}
