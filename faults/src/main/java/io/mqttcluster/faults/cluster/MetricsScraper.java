package io.mqttcluster.faults.cluster;

import io.mqttcluster.faults.history.Event;
import io.mqttcluster.faults.history.History;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads every serving node's drop counters every few seconds and keeps the last value of each node
 * incarnation (a killed node's counters die with it); {@link #record} writes them to the history at the end.
 */
public final class MetricsScraper {

    private static final String DROPPED = "mqtt_messages_dropped_total";

    private final Target target;
    private final Map<String, Event.Metric> last = new LinkedHashMap<>();
    private final Thread thread;
    private final History history;
    private volatile boolean stop;

    public MetricsScraper(Target target, History history) {
        this.target = target;
        this.history = history;
        this.thread = new Thread(this::loop, "metrics-scraper");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    private void loop() {
        while (!stop) {
            scrapeOnce();
            try {
                Thread.sleep(5000); // the scrape interval
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Reads every serving node once. */
    public void scrapeOnce() {
        for (int i = 0; i < target.nodes().size(); i++) {
            NodeProcess n = target.nodes().get(i);
            if (!n.isServing()) {
                continue;
            }
            int incarnation = n.incarnation();
            String text = target.metrics(i);
            if (text == null) {
                continue;
            }
            for (Map.Entry<String, Double> e : PrometheusText.byLabel(text, DROPPED, "reason").entrySet()) {
                synchronized (last) {
                    last.put(n.name() + "/" + incarnation + "/" + e.getKey(), new Event.Metric(history.now(), n.name(),
                            incarnation, DROPPED, e.getKey(), Math.round(e.getValue())));
                }
            }
        }
    }

    /** Stops scraping, reads once more and writes the last values to the history. */
    public void record() throws InterruptedException {
        stop = true;
        thread.interrupt();
        thread.join(10_000);
        scrapeOnce();
        synchronized (last) {
            for (Event.Metric m : last.values()) {
                history.add(m);
            }
        }
    }
}
