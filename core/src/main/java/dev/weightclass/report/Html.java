package dev.weightclass.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Small HTML helpers: escaping, number formats, the shared stylesheet. */
public final class Html {
    private Html() {}

    public static String esc(Object o) {
        String s = String.valueOf(o);
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    /** 1,234,567: the exact figures of the CLI's tables. */
    public static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    public static String rate(double tokensPerSecond) {
        return dev.weightclass.fit.Format.rate(tokensPerSecond);
    }

    /** JSON placed inside a {@code <script>} element: "</" cannot end the element early. */
    public static String scriptJson(String json) {
        return json.replace("</", "<\\/").replace("<!--", "<\\!--");
    }

    /** A text resource of the web app (its stylesheet and scripts are shared with the reports). */
    public static String resource(String name) {
        try (InputStream in = Html.class.getResourceAsStream("/dev/weightclass/web/" + name)) {
            if (in == null) throw new IllegalStateException("resource missing from the build: " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
