"""Fine-tunes a wasm-autoencoder model in PyTorch: python3 finetune.py MODEL.safetensors DATA.csv OUT.safetensors [EPOCHS].

The model is the one `wasm-autoencoder export MODEL.ae --safetensors MODEL.safetensors` wrote; DATA is rows of
comma-separated numbers (or a .npy of float32 rows). It trains with Adam on the model's own loss (an autoencoder's
RMSE, MSE or BCE; a variational autoencoder's reconstruction summed over each row plus β·KL) and saves the result,
which `wasm-autoencoder import OUT.safetensors --out MODEL.ae` reads back.
"""
import sys

import numpy as np
import torch
from torch import nn

from safetensors_io import NS, load_model, save_model


def model_loss(model, metadata, x):
    """The model's training loss on a batch, as wasm-autoencoder computes it."""
    if metadata[NS + 'model'] == 'VariationalAutoencoder':
        mean, log_var = model.encode(x)
        z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
        out = model.decode(z)
        if metadata[NS + 'reconstruction'] == 'bce':
            logits = model.decoder[:-1](z)  # the output layer's pre-activation: BCE from the logits, stable
            reconstruction = nn.functional.binary_cross_entropy_with_logits(logits, x, reduction='none').sum(1)
        else:
            reconstruction = ((out - x) ** 2).sum(1)
        kl = -0.5 * (1 + log_var - mean ** 2 - log_var.exp()).sum(1)
        return (reconstruction + float(metadata[NS + 'kl_weight']) * kl).mean()
    loss = metadata[NS + 'loss']
    if loss == 'bce':
        return nn.functional.binary_cross_entropy_with_logits(model[:-1](x), x)
    mse = ((model(x) - x) ** 2).mean()
    return mse.sqrt() if loss == 'rmse' else mse


def main(model_path, data_path, out_path, epochs=20):
    model, metadata = load_model(model_path)
    rows = np.load(data_path) if data_path.endswith('.npy') else np.loadtxt(data_path, delimiter=',', ndmin=2)
    x = torch.tensor(rows, dtype=torch.float32)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    for epoch in range(epochs):
        for batch in torch.split(x[torch.randperm(len(x))], 32):
            optimizer.zero_grad()
            loss = model_loss(model, metadata, batch)
            loss.backward()
            optimizer.step()
        print(f'epoch {epoch}: loss {loss.item():.4f}')
    save_model(model, out_path, metadata)
    print(f'wrote {out_path}')


if __name__ == '__main__':
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__.split('\n')[0])
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) == 5 else 20)
