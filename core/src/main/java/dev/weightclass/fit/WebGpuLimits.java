package dev.weightclass.fit;

/**
 * The WebGPU adapter limits that decide whether a model's buffers can exist and bind.
 *
 * @param maxBufferSize               largest GPUBuffer
 * @param maxStorageBufferBindingSize largest range one storage binding may cover: a tensor
 *                                    larger than this cannot be read by one shader
 * @param source                      where the values come from
 */
public record WebGpuLimits(long maxBufferSize, long maxStorageBufferBindingSize, String source) {
}
