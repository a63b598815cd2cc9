package io.mqttcluster.faults.nemesis;

/** Injects one kind of fault: begins it, ends it (heal, continue, restart), and undoes whatever is left at the end. */
public interface Nemesis {

    /** Starts the fault; returns what it did, for the history (key=value pairs). */
    String begin(Fault f) throws Exception;

    /** Ends the fault; returns what it did. Instant faults return "" here. */
    String end(Fault f) throws Exception;

    /** The name of the fault's target for the history (a node name, a client id, "f1|f2"). */
    String target(Fault f);
}
