package dev.weightclass.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weightclass.SharedData;
import dev.weightclass.cli.Main;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end in the system's headless Chromium (Debian's chromium + chromium-driver; never a
 * downloaded browser): the pages render, the device page's verdict is what the CLI computes for
 * the values the page probed, and pick-variant.js chooses as documented. Screenshots go to
 * target/screenshots. Skips when Chromium is missing, fails then in CI.
 */
class BrowserTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path SHOTS = Path.of("target", "screenshots");
    static final String Q4 = "aidreams260K-q4_0.gguf";
    static final String CATALOG = "tinyllama-1.1b";
    static final ObjectMapper OM = new ObjectMapper();

    static Path root, models;
    static WebApp app;
    static WebDriver driver;
    static String base;

    @BeforeAll
    static void start() throws Exception {
        if (!Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER)) {
            String msg = "headless browser tests need " + CHROMIUM + " and " + CHROMEDRIVER
                    + " (apt-get install chromium chromium-driver)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) Assertions.fail(msg);
            Assumptions.abort(msg);
        }
        root = Files.createTempDirectory("wc-browser");
        models = Files.createDirectories(root.resolve("models"));
        Path real = SharedData.root().resolve("data/aidreams260K/" + Q4);
        if (Files.exists(real)) Files.copy(real, models.resolve(Q4));
        app = WebApp.start("127.0.0.1", 0, models);
        base = "http://127.0.0.1:" + app.port();
        // the driver is given explicitly, so Selenium Manager never looks for (or downloads) one
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--user-data-dir=" + Files.createDirectories(root.resolve("profile")));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, o);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(60));
        Files.createDirectories(SHOTS);
    }

    @AfterAll
    static void stop() throws Exception {
        if (driver != null) driver.quit();
        if (app != null) app.close();
        if (root != null) {
            try (Stream<Path> s = Files.walk(root)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static void screenshot(String name) throws Exception {
        File f = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(f.toPath(), SHOTS.resolve(name + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    static Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    static void waitDone() {
        new WebDriverWait(driver, Duration.ofSeconds(120)).until(d -> {
            Object s = js("return document.body.dataset.state");
            return "done".equals(s) || "error".equals(s);
        });
        assertThat(js("return document.body.dataset.state")).as(driver.findElement(By.id("best")).getText()).isEqualTo("done");
    }

    @Test
    void modelListAndComparePagesRender() throws Exception {
        driver.get(base + "/");
        new WebDriverWait(driver, Duration.ofSeconds(60)).until(d -> !d.findElements(By.cssSelector("#catalog-models tbody tr")).isEmpty());
        List<WebElement> catalog = driver.findElements(By.cssSelector("#catalog-models tbody tr"));
        assertThat(catalog.size()).isEqualTo(dev.weightclass.size.Catalog.all().size());
        assertThat(driver.findElement(By.id("status")).getText()).contains("catalog models");
        screenshot("model-list");
        driver.get(base + "/compare?v=" + CATALOG + ":Q8_0&v=" + CATALOG + ":Q4_K_M&v=" + CATALOG + ":int4");
        List<WebElement> heads = driver.findElements(By.cssSelector("table.compare thead th"));
        assertThat(heads).hasSize(4);
        assertThat(heads.get(1).getText()).contains("Q8_0");
        assertThat(driver.findElements(By.cssSelector("table.fit"))).hasSize(3);   // llama.cpp, webgpu, onnxruntime
        assertThat(driver.findElement(By.cssSelector("figure.chart svg")).getSize().getWidth()).isGreaterThan(300);
        screenshot("compare");
    }

    @Test
    void modelPageRendersTablesAndCharts() throws Exception {
        SharedData.data("aidreams260K/" + Q4);
        driver.get(base + "/model?m=" + Q4);
        assertThat(driver.findElement(By.tagName("h1")).getText()).contains("aidreams260K");
        JsonNode size = Cli.json("size", models.resolve(Q4).toString(), "--json");
        List<WebElement> sizeRows = driver.findElements(By.cssSelector("table.sizes tbody tr"));
        List<JsonNode> available = new java.util.ArrayList<>();
        for (JsonNode v : size.get("variants")) if (v.get("bytes").asLong() >= 0) available.add(v);
        assertThat(sizeRows).hasSize(available.size());
        for (int i = 0; i < available.size(); i++) {
            assertThat(sizeRows.get(i).getText()).contains(available.get(i).get("type").asText())
                    .contains(String.format("%,d", available.get(i).get("bytes").asLong()));
        }
        List<WebElement> fits = driver.findElements(By.cssSelector("table.fit"));
        assertThat(fits).hasSize(2);
        for (WebElement t : fits) {
            assertThat(t.findElements(By.cssSelector("tbody tr"))).isNotEmpty();
            assertThat(t.findElements(By.cssSelector("td.fits, td.nofit"))).isNotEmpty();
        }
        List<WebElement> charts = driver.findElements(By.cssSelector("figure.chart svg"));
        assertThat(charts).hasSizeGreaterThanOrEqualTo(3);
        for (WebElement c : charts) {
            assertThat(c.getSize().getWidth()).isGreaterThan(300);
            assertThat(c.getSize().getHeight()).isGreaterThan(100);
            assertThat(c.findElements(By.cssSelector("path, rect")).size()).isGreaterThan(10);
        }
        screenshot("model-page");
    }

    @Test
    void devicePageVerdictIsTheCliEstimateForTheProbedValues() throws Exception {
        driver.get(base + "/device?m=" + CATALOG + "&ctx=2048&deviceMemory=8&maxBufferSize=2147483648"
                + "&maxStorageBufferBindingSize=67108864&storageQuota=5000000000&downlink=20");
        waitDone();
        JsonNode cli = cliFor(probed(), "2048");
        assertVerdictTableIs(cli);
        assertThat(cli.get("results").findValuesAsText("binding_limit")).contains("tensor_binding");
        String best = cli.get("recommendations").get(0).get("variant").asText();
        assertThat(driver.findElement(By.id("best")).getAttribute("data-variant")).isEqualTo(best);
        // pick-variant.js on the model's variants.json chooses what the Java fit model recommends
        assertThat(driver.findElement(By.id("pick")).getAttribute("data-variant")).isEqualTo(best);
        screenshot("device-page-overridden");
    }

    @Test
    void devicePageDegradesClearlyWithoutWebGpu() throws Exception {
        driver.get(base + "/device?m=" + CATALOG);
        waitDone();
        JsonNode device = probed();
        JsonNode cli = cliFor(device, null);
        assertVerdictTableIs(cli);
        if (device.get("webgpu").isNull()) {
            assertThat(driver.findElement(By.id("webgpu-banner")).isDisplayed()).isTrue();
            assertThat(driver.findElement(By.id("webgpu-banner")).getText()).contains("WebGPU is not available");
            assertThat(driver.findElement(By.cssSelector("#probe-table td[data-key=webgpu]")).getAttribute("class")).isEqualTo("missing");
            assertThat(cli.get("results").findValuesAsText("binding_limit")).containsOnly("no_webgpu");
            assertThat(driver.findElement(By.id("best")).getText()).startsWith("Nothing fits");
        }
        screenshot("device-page-probed");
    }

    @Test
    void pickVariantChoosesTheFirstVariantThatFitsTheOverriddenDevice() throws Exception {
        driver.get(base + "/device");
        String manifest = """
                {"format": "weightclass-variants/1", "context_length": 2048,
                 "device_assumptions": {"default_device_memory_gib": 4, "os_reserved_fraction": 0.3, "browser_share": 0.5},
                 "variants": [
                  {"id": "m-F16", "type": "F16", "url": "{base}/m-f16.gguf", "bytes": 3000000000,
                   "memory_bytes": {"webgpu": 3758096384}, "webgpu": {"required_limits": {"maxBufferSize": 629145600,
                   "maxStorageBufferBindingSize": 629145600}, "required_features": []}},
                  {"id": "m-Q8_0", "type": "Q8_0", "url": "{base}/m-q8_0.gguf", "bytes": 1600000000,
                   "memory_bytes": {"webgpu": 3221225472}, "webgpu": {"required_limits": {"maxBufferSize": 314572800,
                   "maxStorageBufferBindingSize": 314572800}, "required_features": []}},
                  {"id": "m-Q4_0", "type": "Q4_0", "url": "{base}/m-q4_0.gguf", "bytes": 900000000,
                   "memory_bytes": {"webgpu": 1610612736}, "webgpu": {"required_limits": {"maxBufferSize": 157286400,
                   "maxStorageBufferBindingSize": 157286400}, "required_features": []}}
                 ]}""";
        String gpu = "{maxBufferSize: 1073741824, maxStorageBufferBindingSize: 536870912, features: []}";
        String bigGpu = "{maxBufferSize: 4294967296, maxStorageBufferBindingSize: 1073741824, features: ['shader-f16']}";
        Object out = ((JavascriptExecutor) driver).executeAsyncScript("""
                const done = arguments[arguments.length - 1];
                const manifest = JSON.parse(arguments[0]);
                import('/static/pick-variant.js').then(async m => {
                  const runs = [
                    {deviceMemory: 8, webgpu: %s, storageQuota: 1e10, downlink: 100},
                    {deviceMemory: 16, webgpu: %s, storageQuota: 1e10, downlink: 100},
                    {deviceMemory: 16, webgpu: %s, storageQuota: 1e9, downlink: 100},
                    {deviceMemory: 16, webgpu: false},
                  ];
                  const results = [];
                  for (const overrides of runs) {
                    const r = await m.pickVariant(manifest, {overrides, baseUrl: '/models/'});
                    results.push({id: r.variant ? r.variant.id : null, url: r.url, reason: r.reason,
                                  seconds: r.downloadSeconds, limits: r.checked.map(c => c.limit)});
                  }
                  done(JSON.stringify(results));
                }).catch(e => done('ERROR ' + e));
                """.formatted(gpu, bigGpu, bigGpu), manifest);
        assertThat(out.toString()).doesNotStartWith("ERROR");
        JsonNode r = OM.readTree(out.toString());
        // 8 GiB: F16's largest tensor (600 MiB) is above the 512 MiB binding; Q8_0 needs 3 GiB of a 2.8 GiB budget
        assertThat(r.get(0).get("id").asText()).isEqualTo("m-Q4_0");
        assertThat(r.get(0).get("url").asText()).isEqualTo("/models/m-q4_0.gguf");
        assertThat(r.get(0).get("limits").toString()).isEqualTo("[\"tensor_binding\",\"gpu_memory\",\"gpu_memory\"]");
        assertThat(r.get(0).get("reason").asText()).contains("F16: tensor_binding").contains("Q8_0: gpu_memory");
        assertThat(r.get(0).get("seconds").asDouble()).isEqualTo(72.0);
        // 16 GiB and a 1 GiB binding: the best variant fits (3.5 GiB of 5.6 GiB)
        assertThat(r.get(1).get("id").asText()).isEqualTo("m-F16");
        // a 1 GB storage quota leaves only the 0.9 GB download
        assertThat(r.get(2).get("id").asText()).isEqualTo("m-Q4_0");
        assertThat(r.get(2).get("limits").get(0).asText()).isEqualTo("storage_quota");
        assertThat(r.get(3).get("id").isNull()).isTrue();
        assertThat(r.get(3).get("reason").asText()).contains("no WebGPU");
    }

    @Test
    void reportFileRendersWithoutNetwork() throws Exception {
        Path model = SharedData.data("aidreams260K/" + Q4);
        Path html = root.resolve("report.html");
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = Main.run(new String[] {"report", model.toString(), "-o", html.toString(), "--device", "Pixel 8",
                "--device", "iPhone 13"}, new PrintWriter(out, true), new PrintWriter(err, true));
        assertThat(code).as(err.toString()).isZero();
        driver.get(html.toUri().toString());
        assertThat(driver.findElements(By.cssSelector("figure.chart svg"))).hasSize(3);
        assertThat(driver.findElements(By.cssSelector("table.fit"))).hasSize(2);
        assertThat(((Number) js("return performance.getEntriesByType('resource').length")).intValue()).isZero();
        screenshot("report");
    }

    /** What the page probed (after overrides), as the page holds it. */
    static JsonNode probed() {
        Object d = js("return JSON.stringify(window.weightclassProbe.device)");
        try {
            return OM.readTree(d.toString());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** {@code weightclass fit --devices FILE} for a device file made from the probed values. */
    static JsonNode cliFor(JsonNode device, String ctx) throws Exception {
        BrowserProbe p = BrowserProbe.fromJson(device);
        Path file = root.resolve("probed-" + System.nanoTime() + ".json");
        Files.writeString(file, OM.writeValueAsString(OM.createObjectNode().set("devices", OM.createArrayNode().add(p.deviceJson()))));
        return ctx == null
                ? Cli.json("fit", CATALOG, "--devices", file.toString(), "--device", BrowserProbe.DEVICE_NAME, "--runtime", "webgpu",
                        "--network", p.network(), "--json")
                : Cli.json("fit", CATALOG, "--devices", file.toString(), "--device", BrowserProbe.DEVICE_NAME, "--runtime", "webgpu",
                        "--ctx", ctx, "--network", p.network(), "--json");
    }

    static void assertVerdictTableIs(JsonNode cli) {
        List<WebElement> rows = driver.findElements(By.cssSelector("#verdicts tbody tr"));
        JsonNode results = cli.get("results");
        assertThat(rows).hasSize(results.size());
        for (int i = 0; i < rows.size(); i++) {
            WebElement row = rows.get(i);
            JsonNode r = results.get(i);
            assertThat(row.getAttribute("data-variant")).isEqualTo(r.get("variant").asText());
            assertThat(row.getAttribute("data-format")).isEqualTo(r.get("format").asText());
            assertThat(row.getAttribute("data-fits")).isEqualTo(r.get("fits").asText());
            assertThat(row.getAttribute("data-binding")).isEqualTo(r.get("binding_limit").asText());
            assertThat(row.getAttribute("data-required")).isEqualTo(r.get("memory").get("required_bytes").asText());
        }
    }
}
