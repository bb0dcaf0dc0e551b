package dev.weightclass.web;

import dev.weightclass.report.Html;

import static dev.weightclass.report.Html.esc;

/** The frame of the server-rendered pages: head, navigation, the shared stylesheet (no CDN). */
final class Pages {
    private Pages() {}

    static String layout(String title, String body, String... scripts) {
        StringBuilder b = new StringBuilder("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
                .append(esc(title)).append(" - weightclass</title>\n<link rel=\"stylesheet\" href=\"/static/app.css\">\n");
        for (String s : scripts) b.append("<script type=\"module\" src=\"/static/").append(esc(s)).append("\"></script>\n");
        return b.append("</head>\n<body>\n").append(nav()).append("<main>\n<h1>").append(esc(title)).append("</h1>\n")
                .append(body).append("\n</main>\n</body>\n</html>\n").toString();
    }

    static String nav() {
        return "<nav><a href=\"/\">Models</a><a href=\"/compare\">Compare</a><a href=\"/device\">This device</a>"
                + "<a href=\"/api/models\">JSON API</a></nav>\n";
    }

    /** A static page from the resources (index, device page). */
    static String resource(String name) {
        return Html.resource(name);
    }

    static String error(int status, String message) {
        return layout("Error " + status, "<p class=\"missing\">" + esc(message) + "</p>");
    }
}
