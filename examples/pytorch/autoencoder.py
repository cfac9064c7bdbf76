"""The PyTorch modules equivalent to wasm-autoencoder's models (their state_dict names are the safetensors names)."""
import torch
from torch import nn

ACTIVATIONS = {'tanh': nn.Tanh, 'sigmoid': nn.Sigmoid, 'relu': nn.ReLU,
               'leakyRelu': lambda: nn.LeakyReLU(0.01), 'elu': lambda: nn.ELU(1.0)}


def dense_stack(sizes, activation, output_activation='linear'):
    """nn.Sequential(Linear, activation, …, Linear[, output activation]): the Linear layers at indices 0, 2, 4, …."""
    layers = []
    for k in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[k], sizes[k + 1]))
        name = output_activation if k == len(sizes) - 2 else activation
        if name != 'linear':
            layers.append(ACTIVATIONS[name]())
    return nn.Sequential(*layers)


def autoencoder(input_dim, hidden, activation='tanh', output_activation='linear'):
    """An Autoencoder: input_dim → hidden[0] → … → hidden[-1] (the code) → … → input_dim. The code is model[:2 * len(hidden)](x)."""
    widths = [input_dim, *hidden]
    return dense_stack(widths + widths[-2::-1], activation, output_activation)


class VAE(nn.Module):
    """A VariationalAutoencoder: encoder (empty without hidden layers), the heads z_mean and z_log_var, decoder."""

    def __init__(self, input_dim, latent_dim, hidden=(), activation='tanh', output_activation='linear'):
        super().__init__()
        widths = [input_dim, *hidden]
        self.encoder = dense_stack(widths, activation, activation)
        self.z_mean = nn.Linear(widths[-1], latent_dim)
        self.z_log_var = nn.Linear(widths[-1], latent_dim)
        self.decoder = dense_stack([latent_dim, *widths[::-1]], activation, output_activation)

    def encode(self, x):
        h = self.encoder(x)
        return self.z_mean(h), self.z_log_var(h)

    def decode(self, z):
        return self.decoder(z)

    def forward(self, x):
        """The reconstruction of a code drawn from N(mean, exp(log_var)), with mean and log_var (for the KL term)."""
        mean, log_var = self.encode(x)
        z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
        return self.decode(z), mean, log_var
