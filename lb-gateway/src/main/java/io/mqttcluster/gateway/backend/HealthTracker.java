package io.mqttcluster.gateway.backend;

/**
 * Turns a node's stream of health check outcomes into its {@link NodeState}, with hysteresis.
 * Pure; owned by the control event loop (not thread-safe).
 *
 * <p>Rule: each outcome names a target state (READY -> UP, NOT_READY -> DRAINING, FAILED -> DOWN).
 * The very first outcome decides at once (a gateway that just started, or a node that just
 * appeared in DNS, should not wait {@code rise} intervals). After that, the state moves to a worse
 * target after {@code fall} identical outcomes in a row, and to a better one after {@code rise}
 * identical outcomes in a row.
 */
public final class HealthTracker {

    /** The result of one health check. */
    public enum Outcome {
        /** HTTP 200, or TCP connect accepted. */
        READY,
        /** HTTP 503: up but not ready, or draining. */
        NOT_READY,
        /** Refused, timed out, or any other HTTP status. */
        FAILED
    }

    private final int rise;
    private final int fall;
    private NodeState state;
    private Outcome last;
    private int streak;

    public HealthTracker(int rise, int fall) {
        if (rise < 1 || fall < 1) {
            throw new IllegalArgumentException("rise and fall must be at least 1");
        }
        this.rise = rise;
        this.fall = fall;
    }

    /** Records one outcome and returns the state after it. */
    public NodeState record(Outcome outcome) {
        streak = outcome == last ? streak + 1 : 1;
        last = outcome;
        NodeState target = switch (outcome) {
            case READY -> NodeState.UP;
            case NOT_READY -> NodeState.DRAINING;
            case FAILED -> NodeState.DOWN;
        };
        if (state == null) {
            state = target;
        } else if (target != state) {
            boolean better = target.ordinal() < state.ordinal();
            if (streak >= (better ? rise : fall)) {
                state = target;
            }
        }
        return state;
    }

    /** The current state; DOWN before the first outcome. */
    public NodeState state() {
        return state == null ? NodeState.DOWN : state;
    }

    /** True once at least one outcome was recorded. */
    public boolean checked() {
        return state != null;
    }
}
