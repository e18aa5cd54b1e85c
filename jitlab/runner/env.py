"""Facts about the machine and device, device listing, and per-block samples
of clocks and load (NVML on NVIDIA GPUs, psutil on CPUs)."""

from __future__ import annotations

import os
import platform
import sys
from typing import Any

import psutil
import torch

try:  # optional: nvidia-ml-py
    import pynvml as _nvml
except Exception:  # noqa: BLE001 - absent or broken, either way: no NVML
    _nvml = None


class DeviceError(Exception):
    """A device string that names no usable device on this machine."""


def parse_device(spec: str | None) -> torch.device:
    """Turn ``auto``, ``cpu``, ``cuda``, ``cuda:N`` or ``mps`` into a usable device."""
    spec = (spec or "auto").strip().lower()
    if spec == "auto":
        mps = getattr(torch.backends, "mps", None)
        spec = "cuda" if torch.cuda.is_available() else "mps" if (mps and mps.is_available()) else "cpu"
    try:
        dev = torch.device(spec)
    except RuntimeError as exc:
        raise DeviceError(f"unknown device {spec!r}: use cpu, cuda, cuda:N or mps ({exc})") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(
                f"device {spec!r} asked for, but this torch ({torch.__version__}) sees no CUDA device"
                + ("" if torch.version.cuda else " (it is a CPU-only build)")
            )
        count = torch.cuda.device_count()
        index = dev.index if dev.index is not None else torch.cuda.current_device()
        if index >= count:
            raise DeviceError(f"device {spec!r} not found: this machine has {count} CUDA device(s), cuda:0..cuda:{count - 1}")
        return torch.device("cuda", index)
    if dev.type == "mps":
        if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise DeviceError("device 'mps' asked for, but MPS is not available here")
        return dev
    if dev.type != "cpu":
        raise DeviceError(f"unsupported device {spec!r}: use cpu, cuda, cuda:N or mps")
    return torch.device("cpu")


def make_current(device: torch.device) -> None:
    """Make ``device`` the current one before anything runs on it."""
    if device.type == "cuda":
        torch.cuda.set_device(device)


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def list_devices() -> list[dict[str, Any]]:
    """Every device this torch can run on, CPU first."""
    out = [{
        "id": "cpu", "kind": "cpu", "index": None, "name": cpu_model(),
        "memory_bytes": psutil.virtual_memory().total, "capability": None,
        "threads": torch.get_num_threads(),
    }]
    if torch.cuda.is_available():
        for i in range(torch.cuda.device_count()):
            p = torch.cuda.get_device_properties(i)
            out.append({
                "id": f"cuda:{i}", "kind": "cuda", "index": i, "name": p.name,
                "memory_bytes": int(p.total_memory), "capability": f"{p.major}.{p.minor}",
                "multiprocessors": p.multi_processor_count,
            })
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        out.append({"id": "mps", "kind": "mps", "index": None, "name": "Apple MPS", "memory_bytes": None,
                    "capability": None})
    return out


def basic_env() -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "platform": platform.platform(),
        "hostname": platform.node(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
    }


def full_env(device: torch.device) -> dict[str, Any]:
    """Everything the session records about where a variant ran."""
    env = basic_env()
    env.update({
        "threads": torch.get_num_threads(),
        "interop_threads": torch.get_num_interop_threads(),
        "matmul_precision": torch.get_float32_matmul_precision(),
        "cuda_matmul_allow_tf32": torch.backends.cuda.matmul.allow_tf32,
        "cudnn_allow_tf32": torch.backends.cudnn.allow_tf32,
        "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
        "llvm_enabled": bool(getattr(torch._C, "_llvm_enabled", lambda: False)()),
        "nvml": _nvml is not None,
    })
    dev = {"kind": device.type, "index": device.index, "id": str(device)}
    if device.type == "cuda":
        p = torch.cuda.get_device_properties(device)
        dev.update({"name": p.name, "memory_bytes": int(p.total_memory), "capability": f"{p.major}.{p.minor}"})
        env["driver"] = _driver_version()
        env["cuda_visible_devices"] = os.environ.get("CUDA_VISIBLE_DEVICES")
    else:
        dev.update({"name": cpu_model() if device.type == "cpu" else "Apple MPS"})
    env["device"] = dev
    return env


def _driver_version() -> str | None:
    handle = _nvml_handle(None)
    if handle is None:
        return None
    try:
        v = _nvml.nvmlSystemGetDriverVersion()
        return v.decode() if isinstance(v, bytes) else v
    except Exception:  # noqa: BLE001
        return None


_nvml_ready: bool | None = None


def _nvml_handle(device: torch.device | None):
    global _nvml_ready
    if _nvml is None:
        return None
    if _nvml_ready is None:
        try:
            _nvml.nvmlInit()
            _nvml_ready = True
        except Exception:  # noqa: BLE001
            _nvml_ready = False
    if not _nvml_ready:
        return None
    if device is None:
        return True
    try:
        # NVML counts physical GPUs; map through torch's UUID when visible devices are remapped.
        uuid = str(torch.cuda.get_device_properties(device).uuid)
        return _nvml.nvmlDeviceGetHandleByUUID(("GPU-" + uuid) if not uuid.startswith("GPU-") else uuid)
    except Exception:  # noqa: BLE001
        try:
            return _nvml.nvmlDeviceGetHandleByIndex(device.index or 0)
        except Exception:  # noqa: BLE001
            return None


def sample_notes(device: torch.device) -> list[str]:
    if device.type == "cuda" and _nvml is None:
        return ["GPU clocks, temperature and power were not recorded: install nvidia-ml-py (pip install nvidia-ml-py)"]
    return []


def sample(device: torch.device) -> dict[str, Any]:
    """Clocks, temperature, power and load now (cheap; taken between blocks)."""
    out: dict[str, Any] = {"time": _now()}
    try:
        freq = psutil.cpu_freq()
        out["cpu_freq_mhz"] = round(freq.current, 1) if freq else None
    except Exception:  # noqa: BLE001 - some VMs expose no frequency
        out["cpu_freq_mhz"] = None
    out["cpu_load_pct"] = psutil.cpu_percent(interval=None)
    out.update(_placement())
    if device.type == "cuda":
        handle = _nvml_handle(device)
        if handle is not None:
            n = _nvml
            for key, fn in (
                ("sm_clock_mhz", lambda h: n.nvmlDeviceGetClockInfo(h, n.NVML_CLOCK_SM)),
                ("mem_clock_mhz", lambda h: n.nvmlDeviceGetClockInfo(h, n.NVML_CLOCK_MEM)),
                ("temperature_c", lambda h: n.nvmlDeviceGetTemperature(h, n.NVML_TEMPERATURE_GPU)),
                ("power_w", lambda h: n.nvmlDeviceGetPowerUsage(h) / 1000.0),
                ("gpu_util_pct", lambda h: n.nvmlDeviceGetUtilizationRates(h).gpu),
            ):
                try:
                    out[key] = fn(handle)
                except Exception:  # noqa: BLE001
                    out[key] = None
    return out


_PROC = psutil.Process()


def _placement() -> dict[str, Any]:
    """The core this runner last ran on and how often it has been preempted.

    A launch-bound GPU variant slows down when the scheduler moves it to
    another core between blocks; these two figures make that visible.
    """
    out: dict[str, Any] = {}
    try:
        out["cpu_core"] = _PROC.cpu_num()
    except (AttributeError, psutil.Error):  # cpu_num exists on Linux, FreeBSD, SunOS only
        pass
    try:
        out["ctx_switches_involuntary"] = _PROC.num_ctx_switches().involuntary
    except psutil.Error:
        pass
    return out


def _now() -> float:
    import time

    return time.time()
