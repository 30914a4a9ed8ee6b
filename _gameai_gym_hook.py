"""Registers ``gameai/Skirmish-v0`` with Gymnasium when Gymnasium is imported, with nothing else imported.

Gymnasium 1.x has no entry-point plugin loader (0.26-0.29 had one), so an installed package cannot
make ``gymnasium.make("gameai/Skirmish-v0")`` work by metadata alone. gameai's wheel (and its
editable install) puts ``_gameai_gym_hook.pth`` in site-packages, whose one line imports this module
at interpreter start and calls ``install()``, as setuptools' ``distutils-precedence.pth`` and coverage's ``.pth`` do. This
module only puts a finder at the front of ``sys.meta_path``. The finder looks at the name of every
module that is imported, and does nothing for any name but ``gymnasium``. When ``gymnasium`` itself
has finished importing, it registers the id with a *string* entry point
(``agents.gym_env:make_skirmish_env``), so no gameai module loads until an environment is made.
Then it takes itself off ``sys.meta_path``.

What it costs a process that never imports Gymnasium: importing this module at start-up (measured in
docs/ARCHITECTURE.md) and a string comparison per import. It never raises: a failure to register
is reported as a warning and Gymnasium imports as usual. ``agents.gym_env`` registers through
``register()`` here too, so the id and entry point have one home and registering twice is a no-op.
Set ``GAMEAI_NO_GYM_HOOK=1`` to turn the hook off.
"""
import sys

ENV_ID = "gameai/Skirmish-v0"
ENTRY_POINT = "agents.gym_env:make_skirmish_env"


def register() -> None:
    """Register ``ENV_ID`` with Gymnasium unless it is registered already (Gymnasium warns on a re-register)."""
    from gymnasium.envs.registration import register as gym_register, registry

    if ENV_ID not in registry:
        gym_register(id=ENV_ID, entry_point=ENTRY_POINT)


class _AfterGymnasium:
    """Loader wrapper: runs Gymnasium's own loader, then ``register()``."""

    def __init__(self, loader):
        self.loader = loader

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        # the module's loader is Gymnasium's own from here on (importlib.resources and reload ask it)
        module.__loader__ = self.loader
        if module.__spec__ is not None:
            module.__spec__.loader = self.loader
        self.loader.exec_module(module)  # Gymnasium's own errors propagate as without the hook
        _uninstall()
        try:
            register()
        except Exception as e:  # never break `import gymnasium`
            try:  # not even under -W error, where the warning itself would raise
                import warnings

                warnings.warn(f"gameai could not register {ENV_ID} with Gymnasium ({type(e).__name__}: {e}); "
                              f"import agents.gym_env to register it", RuntimeWarning, stacklevel=2)
            except Exception:
                pass


class _Finder:
    """``sys.meta_path`` finder that answers only for ``gymnasium``: the spec the other finders give, loader wrapped."""

    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        if fullname != "gymnasium":
            return None
        try:
            for finder in list(sys.meta_path):
                if finder is cls or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(fullname, path, target)
                if spec is not None:
                    if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                        spec.loader = _AfterGymnasium(spec.loader)
                    return spec
        except Exception:  # let the import system look again, without the hook
            pass
        return None


def _uninstall() -> None:
    try:
        sys.meta_path.remove(_Finder)
    except ValueError:
        pass


def install() -> None:
    """Put the finder first on ``sys.meta_path`` (once; the .pth line calls this at interpreter start).

    Never raises: an exception here would make ``site`` print a traceback at every start.
    If Gymnasium is imported already, it registers at once instead. ``GAMEAI_NO_GYM_HOOK=1`` turns it off.
    """
    try:
        import os

        if os.environ.get("GAMEAI_NO_GYM_HOOK"):
            return
        if "gymnasium" in sys.modules:
            register()
        elif _Finder not in sys.meta_path:
            sys.meta_path.insert(0, _Finder)
    except Exception:
        pass
