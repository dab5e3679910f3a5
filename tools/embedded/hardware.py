"""Node hardware of the instance types the embedded fleet simulates (vCPU, memory, GPU discovery facts).

GPU count and GPU memory come from the model catalog's SKU table (``tools.catalog``); this table adds
what a real node reports besides: vCPUs, memory, the NVIDIA GPU-feature-discovery product name and
CUDA compute capability. Values are the cloud providers' published sizes.
"""
from __future__ import annotations

from dataclasses import dataclass

from tools.catalog import default_catalog


@dataclass(frozen=True)
class NodeShape:
    instance_type: str
    cpu: int
    memory_gib: int
    gpus: int = 0
    gpu_product: str | None = None
    gpu_memory_mib: int = 0  # per GPU
    cuda_major: int = 0
    cuda_minor: int = 0


# instance type -> (vCPU, memory GiB, GFD product, compute capability)
_GPU_SHAPES: dict[str, tuple[int, int, str, tuple[int, int]]] = {
    "Standard_NV36ads_A10_v5": (36, 440, "NVIDIA-A10", (8, 6)),
    "Standard_NC24ads_A100_v4": (24, 220, "NVIDIA-A100-PCIe-80GB", (8, 0)),
    "Standard_NC48ads_A100_v4": (48, 440, "NVIDIA-A100-PCIe-80GB", (8, 0)),
    "Standard_NC96ads_A100_v4": (96, 880, "NVIDIA-A100-PCIe-80GB", (8, 0)),
    "Standard_NC40ads_H100_v5": (40, 320, "NVIDIA-H100-NVL", (9, 0)),
    "Standard_NC80adis_H100_v5": (80, 640, "NVIDIA-H100-NVL", (9, 0)),
    "Standard_ND96isr_H100_v5": (96, 1900, "NVIDIA-H100-80GB-HBM3", (9, 0)),
    "Standard_ND96isr_H200_v5": (96, 1850, "NVIDIA-H200", (9, 0)),
    "g5.xlarge": (4, 16, "NVIDIA-A10G", (8, 6)),
    "g6.12xlarge": (48, 192, "NVIDIA-L4", (8, 9)),
    "p4de.24xlarge": (96, 1152, "NVIDIA-A100-SXM4-80GB", (8, 0)),
    "p5.48xlarge": (192, 2048, "NVIDIA-H100-80GB-HBM3", (9, 0)),
    "p5e.48xlarge": (192, 2048, "NVIDIA-H200", (9, 0)),
}

# System (CPU) node pool per provider.
SYSTEM_NODE = {
    "azure": NodeShape("Standard_D4s_v5", 4, 16),
    "aws": NodeShape("m5.xlarge", 4, 16),
}
SYSTEM_NODES_PER_CLUSTER = 2


def gpu_shape(instance_type: str) -> NodeShape:
    """Shape of a GPU instance type; GPUs and GPU memory from the catalog's SKU table."""
    sku = default_catalog().sku(instance_type)
    if sku is None:
        raise KeyError(instance_type)
    cpu, mem, product, (major, minor) = _GPU_SHAPES.get(
        instance_type, (8 * sku.gpus, 64 * sku.gpus, f"NVIDIA-{sku.gpu}", (8, 0)))
    per_gpu_mib = round(sku.total_gpu_mem_gib / sku.gpus * 1024)
    return NodeShape(instance_type, cpu, mem, sku.gpus, product, per_gpu_mib, major, minor)


def known_gpu_instance_types() -> list[str]:
    return [name for name in default_catalog().skus if name in _GPU_SHAPES]
