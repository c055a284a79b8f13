"""Warnings and errors specific to skrnn."""

__all__ = ["ChannelsFirstWarning", "InconsistentVersionWarning", "TrainingDivergedError"]


class ChannelsFirstWarning(UserWarning):
    """``fit`` got a 3-D array that looks channels first (aeon / sktime layout).

    skrnn reads a 3-D array as ``(n_samples, n_timesteps, n_features)``. An
    array whose middle axis is at most
    :data:`~skrnn._validation.CHANNELS_FIRST_MAX_STEPS` long and whose last
    axis is at least :data:`~skrnn._validation.CHANNELS_FIRST_RATIO` times
    longer, such as aeon's ``(n_cases, n_channels, n_timepoints)`` passed as
    is, would train on a few time steps of many features. The data is used as
    given; convert it with :func:`skrnn.preprocessing.from_channels_first` if
    its last axis is time, or silence the warning with :mod:`warnings` if the
    layout is intended.
    """


class InconsistentVersionWarning(UserWarning):
    """A model is unpickled with a skrnn version other than the one that saved it.

    Unpickling may still work, but the model's internals (the network, the
    stored attributes) may differ between versions, so predictions can change
    or fail. Refit the model with the installed version, or install the
    version it was saved with.

    Parameters
    ----------
    estimator_name : str
        Class name of the unpickled estimator.
    current_version : str
        The installed skrnn version.
    original_version : str
        The version that pickled the model (``"unknown"`` if it did not say).

    Attributes
    ----------
    estimator_name, current_version, original_version : str
        As given.
    """

    def __init__(self, *, estimator_name, current_version, original_version):
        self.estimator_name = estimator_name
        self.current_version = current_version
        self.original_version = original_version

    def __str__(self):
        return (
            f"Trying to unpickle estimator {self.estimator_name} from skrnn version "
            f"{self.original_version} when using version {self.current_version}. "
            "This might lead to breaking code or invalid results. Refit the model "
            "with the installed version, or install the version it was saved with."
        )


class TrainingDivergedError(ValueError, ArithmeticError):
    """The training loss became NaN or infinite; the estimator was not fitted.

    Raised by ``fit`` as soon as a batch's loss is not finite, instead of
    returning a model whose predictions would be NaN. Subclasses
    :class:`ValueError`, so scikit-learn's model selection tools treat it
    like any failed fit (``error_score``).

    Parameters
    ----------
    message : str
        What happened and what to change.
    epoch, batch : int
        Where it happened, as stored in the attributes below.

    Attributes
    ----------
    epoch : int
        Epoch (1-based) in which the loss stopped being finite.
    batch : int
        Batch (1-based) within that epoch.
    """

    def __init__(self, message, *, epoch, batch):
        super().__init__(message)
        self.epoch = epoch
        self.batch = batch
