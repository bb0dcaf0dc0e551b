package dev.weightclass.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/**
 * Large native buffers backed by transparent huge pages where Linux offers them. A fresh buffer
 * costs one page fault per 4 KiB page on first touch: for the gigabyte a model's repacked weights
 * take, that is a quarter million faults, seconds of system time on a virtual machine. Asking for
 * 2 MiB pages ({@code madvise(MADV_HUGEPAGE)}) cuts the faults 512-fold and the TLB misses of the
 * kernels that stream the buffer. Elsewhere, or if the calls fail, an ordinary allocation.
 */
final class HugePages {
    private HugePages() {}

    private static final long HUGE = 2L << 20;
    private static final int PROT_READ_WRITE = 0x1 | 0x2, MAP_PRIVATE_ANONYMOUS = 0x02 | 0x20, MADV_HUGEPAGE = 14;
    private static final MethodHandle MMAP, MADVISE, MUNMAP;

    static {
        MethodHandle mmap = null, madvise = null, munmap = null;
        if (System.getProperty("os.name", "").startsWith("Linux")) {
            try {
                Linker linker = Linker.nativeLinker();
                var libc = linker.defaultLookup();
                mmap = linker.downcallHandle(libc.find("mmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.ADDRESS,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG));
                madvise = linker.downcallHandle(libc.find("madvise").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG, ValueLayout.JAVA_INT));
                munmap = linker.downcallHandle(libc.find("munmap").orElseThrow(), FunctionDescriptor.of(ValueLayout.JAVA_INT,
                        ValueLayout.ADDRESS, ValueLayout.JAVA_LONG));
            } catch (RuntimeException | Error e) {   // no native access granted, or no such symbols
                mmap = madvise = munmap = null;
            }
        }
        MMAP = mmap;
        MADVISE = madvise;
        MUNMAP = munmap;
    }

    /** {@code bytes} of zeroed native memory, 64-byte aligned, freed when {@code arena} is (for an automatic arena: when unreachable). */
    static MemorySegment allocate(long bytes, Arena arena) {
        if (MMAP == null || bytes < HUGE) return arena.allocate(bytes, 64);
        try {
            long size = (bytes + HUGE - 1) / HUGE * HUGE;
            MemorySegment at = (MemorySegment) MMAP.invokeExact(MemorySegment.NULL, size, PROT_READ_WRITE,
                    MAP_PRIVATE_ANONYMOUS, -1, 0L);
            if (at.address() == -1L) return arena.allocate(bytes, 64);
            int ignored = (int) MADVISE.invokeExact(at, size, MADV_HUGEPAGE);   // a hint: plain pages if refused
            return at.reinterpret(bytes, arena, s -> unmap(s.address(), size));
        } catch (Throwable e) {
            return arena.allocate(bytes, 64);
        }
    }

    private static void unmap(long address, long size) {
        try {
            int ignored = (int) MUNMAP.invokeExact(MemorySegment.ofAddress(address), size);
        } catch (Throwable ignored) {
            // nothing left to do: the process keeps the mapping
        }
    }
}
