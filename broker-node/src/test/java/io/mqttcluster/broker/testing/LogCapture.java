package io.mqttcluster.broker.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Captures log events of the whole process while installed, for assertions on what operators would read. */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

    public final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();

    public static LogCapture install() {
        LogCapture c = new LogCapture();
        c.setName("capture");
        c.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(c);
        return c;
    }

    @Override
    protected void append(ILoggingEvent e) {
        events.add(e);
    }

    public List<ILoggingEvent> from(String loggerPrefix) {
        return events.stream().filter(e -> e.getLoggerName().startsWith(loggerPrefix)).toList();
    }

    @Override
    public void close() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(this);
        stop();
    }
}
