package dev.weightclass.prune;

import java.util.SortedSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Block indices in tensor names ({@code blk.3.}, {@code model.layers.3.}, {@code layers.3.}) and
 * their renumbering once blocks are removed: block 5 of 6 becomes block 3 when 3 and 4 go.
 */
final class LayerNames {
    private LayerNames() {}

    private static final Pattern BLOCK = Pattern.compile("^((?:.*\\.)?(?:blk|layers|h)\\.)(\\d+)(\\..*)$");

    /** The block index in {@code name}, or -1 outside the blocks. */
    static int layerOf(String name) {
        Matcher m = BLOCK.matcher(name);
        return m.matches() ? Integer.parseInt(m.group(2)) : -1;
    }

    /** Index of {@code layer} after {@code dropped} blocks are removed (-1 if it is one of them). */
    static int renumber(int layer, SortedSet<Integer> dropped) {
        if (layer < 0 || dropped.contains(layer)) return -1;
        return layer - dropped.headSet(layer).size();
    }

    /** {@code name} with its block index renumbered. */
    static String rename(String name, SortedSet<Integer> dropped) {
        Matcher m = BLOCK.matcher(name);
        if (!m.matches() || dropped.isEmpty()) return name;
        int to = renumber(Integer.parseInt(m.group(2)), dropped);
        if (to < 0) throw new IllegalArgumentException(name + " is in a dropped block");
        return m.group(1) + to + m.group(3);
    }
}
