package io.mqttcluster.broker.protocol;

import io.mqttcluster.broker.auth.Acl;
import io.mqttcluster.broker.auth.Security;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one client may publish and receive under the ACL in force: the client's view of the rules (rebuilt when
 * they are reloaded), and whether any of its subscriptions matches topics it may not receive, so that only then
 * each message to it is checked. On the connection's event loop only.
 */
final class ClientAccess {

    private static final Logger log = LoggerFactory.getLogger(ClientAccess.class);

    private final ClientProtocol ch;
    private Acl.ClientAcl acl;
    private long version = -1;
    /** Some subscription matches topics this client may not receive (set at SUBSCRIBE, until the rules change). */
    private boolean someTopicsDenied;

    ClientAccess(ClientProtocol ch) {
        this.ch = ch;
    }

    /** The ACL for this client under the rules in force now. */
    Acl.ClientAcl acl() {
        Security.Rules rules = ch.services().security().rules();
        if (acl == null || version != rules.version()) {
            acl = rules.acl().forClient(ch.user(), ch.clientId());
            version = rules.version();
        }
        return acl;
    }

    boolean mayPublish(String topic) {
        boolean allowed = acl().canPublish(topic);
        if (!allowed && log.isDebugEnabled()) {
            log.debug("event=publish_denied client_id={} user={} topic={}", ch.clientId(), ch.user(), topic);
        }
        return allowed;
    }

    /**
     * What a subscription may receive (NONE also when it is shared and its group may not be joined); when only some
     * of its topics, each message to this client is checked from now on ({@link #mayReceive}). Clients without such
     * a subscription pay nothing per message.
     */
    Acl.Grant subscribe(io.mqttcluster.broker.pubsub.Subscription sub) {
        if (sub.shareGroup() != null && !acl().canJoin(sub.shareGroup())) {
            return Acl.Grant.NONE;
        }
        Acl.Grant grant = acl().subscribe(sub.topicFilter());
        if (grant == Acl.Grant.SOME) {
            someTopicsDenied = true;
        }
        return grant;
    }

    /** Whether a message on {@code topic} may go to this client. */
    boolean mayReceive(String topic) {
        return !someTopicsDenied || acl().canReceive(topic);
    }

    /** The rules were reloaded: which subscriptions need a check per message is found again, one {@link #subscribe} each. */
    void rulesChanged() {
        someTopicsDenied = false;
    }
}
