package io.mqttcluster.broker.http;

/**
 * An admin API call that ends with an error status and {@code {"error": message}}: a bad parameter (400), nothing
 * there (404), a conflict (409) or a node that did not answer (503). Thrown or failed on any thread; the router
 * ({@link AdminApi}) writes it.
 */
public final class ApiError extends RuntimeException {

    private final int status;

    public ApiError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public static ApiError badRequest(String message) {
        return new ApiError(400, message);
    }

    public static ApiError notFound(String message) {
        return new ApiError(404, message);
    }

    public int status() {
        return status;
    }
}
