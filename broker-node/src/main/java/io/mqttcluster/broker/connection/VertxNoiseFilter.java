package io.mqttcluster.broker.connection;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * Vert.x logs every connection that fails before our handlers are attached (garbage instead of CONNECT,
 * an announced length over the limit) as an ERROR from {@code ConnectionBase}. That is bad input, not a
 * broker error: this filter turns each into one rate-limited {@link BadInputLog} line.
 */
public final class VertxNoiseFilter extends TurboFilter {

    static final String CONNECTION_BASE = "io.vertx.core.net.impl.ConnectionBase";

    /** Installs the filter when logback is the logging backend (it is in the shipped jar). */
    public static void install() {
        if (LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx) {
            for (TurboFilter f : ctx.getTurboFilterList()) {
                if (f instanceof VertxNoiseFilter) {
                    return;
                }
            }
            VertxNoiseFilter filter = new VertxNoiseFilter();
            filter.start();
            ctx.addTurboFilter(filter);
        }
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (logger == null || !CONNECTION_BASE.equals(logger.getName()) || level == null || !level.isGreaterOrEqual(Level.WARN)) {
            return FilterReply.NEUTRAL;
        }
        BadInputLog.report("-", t != null ? t : new IllegalStateException(String.valueOf(format)));
        return FilterReply.DENY;
    }
}
