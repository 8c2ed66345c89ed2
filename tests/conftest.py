"""Test configuration: torch uses one thread per process (2-core machine, xdist-friendly)."""

import torch

torch.set_num_threads(1)
