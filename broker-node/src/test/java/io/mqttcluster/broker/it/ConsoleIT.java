package io.mqttcluster.broker.it;

import io.mqttcluster.broker.testing.Paho;
import io.mqttcluster.broker.testing.ProcessCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The web console in headless Chromium (Debian's chromium and chromium-driver, nothing downloaded) against real
 * node processes that want an admin token, with a real MQTT client holding a persistent session: the token prompt,
 * the overview's members, the client search, the session page, a kick that closes the client's connection and a
 * drain that turns the node's /health/ready to 503. Screenshots go to target/console-screenshots/.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Path.of("target", "console-screenshots");
    private static final String TOKEN = "console-it-admin-token-0123456789";
    private static final String CLIENT = "console-it-sensor/1";
    private static final String FILTER = "console/it/#";
    private static final String GRAFANA = "http://127.0.0.1:3000/d/mqtt-cluster";
    /** A client id with markup in it: the console must show it as text. */
    private static final String MARKUP_CLIENT = "console-it-<img src=x onerror=alert(1)>";

    private Path dir;
    private ProcessCluster cluster;
    private Paho client;
    private Paho markupClient;
    private ChromeDriverService service;
    private WebDriver browser;
    private WebDriverWait wait;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    void start(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "ConsoleIT skipped: needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver); "
                        + "scripts/test.sh installs them, or: apt-get install -y chromium chromium-driver");
        Path token = Files.writeString(dir.resolve("admin-token"), TOKEN);
        cluster = ProcessCluster.start(2, Map.of("http.admin-token-file", token.toString(), "http.grafana-url", GRAFANA));
        client = Paho.connect(cluster.mqttPort(0), CLIENT, false).subscribe(FILTER, 1);
        markupClient = Paho.connect(cluster.mqttPort(1), MARKUP_CLIENT, true);

        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString()); // never Selenium Manager
        service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                        "--window-size=1280,900", "--no-first-run", "--disable-extensions", "--lang=en-GB");
        browser = new ChromeDriver(service, options);
        wait = new WebDriverWait(browser, Duration.ofSeconds(20));
        Files.createDirectories(SCREENSHOTS);
    }

    @AfterAll
    void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (service != null) {
            service.stop();
        }
        if (client != null) {
            client.close();
        }
        if (markupClient != null) {
            markupClient.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private String console(int node) {
        return "http://127.0.0.1:" + cluster.httpPort(node) + "/console/";
    }

    private void screenshot(String name) throws Exception {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path to = SCREENSHOTS.resolve(name + ".png").toAbsolutePath();
        Files.copy(shot.toPath(), to, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("screenshot: " + to);
    }

    private WebElement visible(By by) {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(by));
    }

    private void confirm() {
        visible(By.id("confirm-dialog"));
        browser.findElement(By.id("confirm-ok")).click();
        wait.until(ExpectedConditions.invisibilityOfElementLocated(By.id("confirm-dialog")));
    }

    private int ready(int node) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cluster.httpPort(node) + "/health/ready"))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    @Test
    @Order(1)
    void overview_afterTheTokenPrompt_showsTheMembers() throws Exception {
        browser.get(console(0));
        visible(By.id("token-dialog"));
        browser.findElement(By.id("token-input")).sendKeys(TOKEN);
        screenshot("01-token-prompt");
        browser.findElement(By.id("token-ok")).click();

        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#members tbody"), "p2"));
        String members = browser.findElement(By.cssSelector("#members tbody")).getText();
        assertThat(members).contains("p1", "p2", "this node", "ready");
        assertThat(browser.findElements(By.cssSelector("#members tbody tr"))).hasSize(2);
        assertThat(browser.findElement(By.id("grafana-link")).getAttribute("href")).isEqualTo(GRAFANA);

        // messages after the first reading: the second one (5 s later) shows a rate above 0 on p1 (the first row)
        for (int i = 0; i < 10; i++) {
            client.publish("console/it/rate", "m" + i, 1, false);
        }
        By p1InRate = By.cssSelector("#members tbody tr:first-child td:nth-child(4)");
        wait.until(d -> !d.findElement(p1InRate).getText().equals("…"));
        assertThat(Double.parseDouble(browser.findElement(p1InRate).getText())).isPositive();
        screenshot("02-overview");
    }

    @Test
    @Order(2)
    void search_byPrefix_findsTheClient() throws Exception {
        browser.findElement(By.id("nav-clients")).click();
        visible(By.id("f-prefix")).sendKeys("console-it-");
        browser.findElement(By.id("search-button")).click();
        WebElement link = wait.until(ExpectedConditions.elementToBeClickable(By.linkText(CLIENT)));
        assertThat(browser.findElement(By.cssSelector("#clients tbody")).getText()).contains("connected", "p1");
        assertThat(browser.findElement(By.linkText(MARKUP_CLIENT)).getText()).isEqualTo(MARKUP_CLIENT); // shown as text
        assertThat(browser.findElements(By.cssSelector("#clients img"))).isEmpty();
        screenshot("03-search");
        link.click();
    }

    @Test
    @Order(3)
    void sessionPage_showsNodeAndSubscriptions() throws Exception {
        wait.until(ExpectedConditions.textToBe(By.id("session-node"), "p1"));
        assertThat(browser.findElement(By.id("session-state")).getText()).isEqualTo("connected");
        assertThat(browser.findElement(By.cssSelector("#session-subscriptions tbody")).getText()).contains(FILTER);
        assertThat(browser.findElement(By.id("page-title")).getText()).isEqualTo("Client " + CLIENT);
        screenshot("04-session");
    }

    @Test
    @Order(4)
    void kick_afterConfirming_closesTheClientsConnection() throws Exception {
        browser.findElement(By.id("kick")).click();
        visible(By.id("confirm-dialog"));
        assertThat(browser.findElement(By.id("confirm-title")).getText()).isEqualTo("Kick " + CLIENT + "?");
        screenshot("05-kick-confirm");
        confirm();

        await().atMost(20, TimeUnit.SECONDS).until(() -> !client.client.isConnected());
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("status"), "Kicked " + CLIENT));
        wait.until(d -> { // the page reloads after the kick; once more while the close is still on its way
            if (d.findElement(By.id("session-state")).getText().equals("offline")) {
                return true;
            }
            d.findElement(By.id("refresh")).click();
            return false;
        });
        screenshot("06-kicked");
    }

    @Test
    @Order(5)
    void drain_afterConfirming_turnsTheNodeNotReady() throws Exception {
        assertThat(ready(1)).isEqualTo(200);
        browser.findElement(By.id("nav-cluster")).click();
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("button.drain[data-node='p2']"))).click();
        confirm();

        await().atMost(20, TimeUnit.SECONDS).until(() -> ready(1) == 503);
        assertThat(ready(0)).isEqualTo(200);
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#members tbody"), "draining"));
        screenshot("07-drained");

        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("button.undrain[data-node='p2']"))).click();
        confirm();
        await().atMost(20, TimeUnit.SECONDS).until(() -> ready(1) == 200);
    }
}
