"""Model weights: the presets of real models that install offline from the package registry,
where a model's files are (a folder, a ``.gguf`` file, a preset) and how they load. Used by the
``hf`` summarizer backend and by the hallucination scorer's likelihood judge."""
