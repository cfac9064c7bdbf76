# The PyTorch side of `npm run bench` (bench/pytorch.ts starts it with Debian's /usr/bin/python3): one JSON
# command per line on stdin, one JSON answer per line on stdout. It trains the same model on the same data as the
# TypeScript side, so both can be timed in alternation in one run. Times are taken here, around the steps only.
import json
import sys
import time

import numpy as np
import torch


def blas_library():
    with open('/proc/self/maps') as maps:
        for line in maps:
            name = line.split()[-1].rsplit('/', 1)[-1]
            if name.startswith(('libopenblas', 'libblas', 'libmkl')):
                return line.split()[-1]
    return 'unknown BLAS'


class Chapter(torch.nn.Module):
    """The chapter's autoencoder: tanh encoder, linear decoder (input → hidden → input)."""

    def __init__(self, inputs, hidden):
        super().__init__()
        self.encode = torch.nn.Linear(inputs, hidden)
        self.decode = torch.nn.Linear(hidden, inputs)

    def forward(self, x):
        return self.decode(torch.tanh(self.encode(x)))


data = None
rows_in_use = None
model = None
optimizer = None
generator = torch.Generator().manual_seed(1)


def load(cmd):
    global data
    raw = np.fromfile(cmd['path'], dtype=np.uint8).reshape(cmd['rows'], cmd['cols'])
    values = (raw.astype(np.float32) - 127.5) / (255 * 16) if cmd['centred'] else raw.astype(np.float32)
    data = torch.from_numpy(values)
    return {'rows': data.shape[0]}


def build(cmd):
    global model, optimizer, rows_in_use
    # A model narrower than the data trains on each row's first `inputs` values.
    rows_in_use = data[:, :cmd['inputs']].contiguous()
    torch.manual_seed(cmd['seed'])
    model = Chapter(cmd['inputs'], cmd['hidden'])
    # TF1's RMSProp as the chapter uses it: lr 0.001, decay 0.9, no momentum (PyTorch puts ε outside the root).
    optimizer = torch.optim.RMSprop(model.parameters(), lr=0.001, alpha=0.9, eps=1e-10)
    return {'parameters': sum(p.numel() for p in model.parameters())}


def run(cmd):
    torch.set_num_threads(cmd['threads'])
    batch, steps = cmd['batch'], cmd['steps']
    start = time.perf_counter()
    for _ in range(steps):
        rows = torch.randint(0, rows_in_use.shape[0], (batch,), generator=generator)
        x = rows_in_use[rows]
        loss = torch.sqrt(torch.mean((model(x) - x) ** 2))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return {'seconds': time.perf_counter() - start, 'loss': loss.item()}


def peak_rss(_cmd):
    import resource
    return {'kib': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


COMMANDS = {'load': load, 'model': build, 'run': run, 'peak_rss': peak_rss}

print(json.dumps({'torch': torch.__version__, 'blas': blas_library(), 'cores': torch.get_num_threads()}), flush=True)
for line in sys.stdin:
    command = json.loads(line)
    print(json.dumps(COMMANDS[command['cmd']](command)), flush=True)
