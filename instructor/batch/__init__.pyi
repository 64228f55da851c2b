from .job import BatchJob as BatchJob
from .models import BatchError as BatchError
from .models import BatchErrorInfo as BatchErrorInfo
from .models import BatchFiles as BatchFiles
from .models import BatchJobInfo as BatchJobInfo
from .models import BatchRequestCounts as BatchRequestCounts
from .models import BatchStatus as BatchStatus
from .models import BatchSuccess as BatchSuccess
from .models import BatchTimestamps as BatchTimestamps
from .models import extract_results as extract_results
from .models import filter_errors as filter_errors
from .models import filter_successful as filter_successful
from .models import get_results_by_custom_id as get_results_by_custom_id
from .processor import BatchProcessor as BatchProcessor
from .request import BatchRequest as BatchRequest
from .run import BatchRun as BatchRun

__all__ = [
    "BatchError", "BatchErrorInfo", "BatchFiles", "BatchJob", "BatchJobInfo", "BatchProcessor",
    "BatchRequest", "BatchRequestCounts", "BatchRun", "BatchStatus", "BatchSuccess", "BatchTimestamps",
    "extract_results", "filter_errors", "filter_successful", "get_results_by_custom_id",
]
