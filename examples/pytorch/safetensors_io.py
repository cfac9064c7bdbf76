"""safetensors without the `safetensors` package: read and write the format, and load wasm-autoencoder's files.

    model, metadata = load_model('model.safetensors')   # an nn.Sequential (Autoencoder) or a VAE, weights loaded
    save_model(model, 'tuned.safetensors', metadata)    # fromSafetensors(bytes) in wasm-autoencoder reads it back

Run it on a file to see the module it holds:  python3 safetensors_io.py model.safetensors
"""
import json
import struct
import sys

import torch

from autoencoder import VAE, autoencoder

DTYPES = {'F64': torch.float64, 'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16, 'I64': torch.int64,
          'I32': torch.int32, 'I16': torch.int16, 'I8': torch.int8, 'U8': torch.uint8, 'BOOL': torch.bool}
NAMES = {dtype: name for name, dtype in DTYPES.items()}
NS = 'wasm-autoencoder.'


def load_file(path):
    """The tensors (a dict by name) and the __metadata__ (a dict of strings) of a safetensors file."""
    with open(path, 'rb') as f:
        data = f.read()
    (length,) = struct.unpack('<Q', data[:8])
    if length > len(data) - 8:
        raise ValueError(f'{path}: header of {length} bytes, but the file has {len(data)}')
    header = json.loads(data[8:8 + length])
    metadata = header.pop('__metadata__', None) or {}
    buffer = bytearray(data[8 + length:])  # writable, as torch.frombuffer wants; values are little-endian
    tensors = {}
    for name, info in header.items():
        begin, end = info['data_offsets']
        dtype = DTYPES[info['dtype']]
        size = torch.empty(0, dtype=dtype).element_size()
        values = torch.frombuffer(buffer, dtype=dtype, count=(end - begin) // size, offset=begin) if end > begin else torch.empty(0, dtype=dtype)
        tensors[name] = values.reshape(info['shape']).clone()
    return tensors, metadata


def save_file(tensors, path, metadata=None):
    """Writes tensors (a dict by name) and string metadata as safetensors, the header padded to 8 bytes."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header['__metadata__'] = {str(k): str(v) for k, v in metadata.items()}
    for name, tensor in tensors.items():
        tensor = tensor.detach().cpu().contiguous()
        raw = (tensor.view(torch.int16) if tensor.dtype == torch.bfloat16 else tensor).numpy().tobytes()
        header[name] = {'dtype': NAMES[tensor.dtype], 'shape': list(tensor.shape), 'data_offsets': [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for chunk in chunks:
            f.write(chunk)


def model_from_metadata(metadata):
    """The module a wasm-autoencoder file's __metadata__ describes, with fresh weights."""
    if NS + 'model' not in metadata:
        raise ValueError('no wasm-autoencoder metadata: build the module yourself (autoencoder.py) and load_state_dict')
    kind = metadata[NS + 'model']
    input_dim, hidden = int(metadata[NS + 'input_dim']), json.loads(metadata[NS + 'hidden'])
    activation, output_activation = metadata[NS + 'activation'], metadata[NS + 'output_activation']
    if kind == 'Autoencoder':
        return autoencoder(input_dim, hidden, activation, output_activation)
    if kind == 'VariationalAutoencoder':
        return VAE(input_dim, int(metadata[NS + 'latent_dim']), hidden, activation, output_activation)
    raise ValueError(f'unknown model {kind!r}')


def load_model(path):
    """The module a wasm-autoencoder file holds, its weights loaded, and the file's metadata (to save it back with)."""
    tensors, metadata = load_file(path)
    model = model_from_metadata(metadata)
    model.load_state_dict(tensors)  # strict: every tensor, and only these
    return model, metadata


def save_model(model, path, metadata):
    """Saves a module's state_dict with wasm-autoencoder's metadata, for fromSafetensors to read."""
    save_file(model.state_dict(), path, metadata)


if __name__ == '__main__':
    for file in sys.argv[1:]:
        module, meta = load_model(file)
        print(f'{file}: {meta[NS + "model"]}\n{module}')
