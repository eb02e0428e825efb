"""vae_course: the shared code of the bilingual VAE course (VAE 강의)."""
from .data import MNIST, CorruptDataError, OfflineFallbackWarning, data_root, full_mnist, load_mnist
from .device import get_device, seed_everything
from .evaluate import active_units, bits_per_dim, evaluate, log_likelihood
from .losses import bernoulli_reconstruction, elbo, free_bits_kl, gaussian_reconstruction, iwae_bound, kl_divergence, vae_loss
from .models import VAE, ConditionalVAE, ConvVAE, FlowVAE, GridVAE
from .schedules import exponential_decay, linear_warmup
from .train import CheckpointError, History, TrainingDiverged, fit, load_checkpoint, save_checkpoint

__version__ = "0.1.0"

__all__ = [
    "MNIST", "CorruptDataError", "OfflineFallbackWarning", "data_root", "full_mnist", "load_mnist",
    "get_device", "seed_everything", "evaluate", "log_likelihood", "active_units", "bits_per_dim", "linear_warmup", "exponential_decay",
    "bernoulli_reconstruction", "elbo", "free_bits_kl", "gaussian_reconstruction", "iwae_bound", "kl_divergence", "vae_loss",
    "VAE", "ConditionalVAE", "ConvVAE", "FlowVAE", "GridVAE", "CheckpointError", "History", "TrainingDiverged", "fit", "load_checkpoint", "save_checkpoint",
]
