"""Text of the embedded Kubernetes-API-compatible server: shaped exactly like kube-apiserver's.

Clients (kubectl, the kubernetes client, the fleet adapter) and people read these in Status bodies, so
they copy the real server's wording; field errors follow k8s.io/apimachinery's ``field.Error``.
"""

# --- field.Error bodies (cause messages; the Status message is "<field>: <body>, ...") -----------------
REQUIRED = "Required value"
REQUIRED_DETAIL = "Required value: {detail}"
INVALID = "Invalid value: {value}: {detail}"
NOT_SUPPORTED = "Unsupported value: {value}: supported values: {supported}"
TOO_LONG = "Too long: may not be more than {max} bytes"
TOO_MANY = "Too many: {actual}: must have at most {max} items"
DUPLICATE = "Duplicate value: {value}"
FORBIDDEN = "Forbidden: {detail}"

# --- OpenAPI schema validation details (go-openapi / kube-openapi wording) --------------------------
TYPE = "{path} in body must be of type {type}: {actual}"
FORMAT = "{path} in body must be of type {format}: {value}"
MIN_LENGTH = "{path} in body should be at least {min} chars long"
PATTERN = "{path} in body should match '{pattern}'"
MINIMUM = "{path} in body should be greater than or equal to {min}"
MINIMUM_EXCLUSIVE = "{path} in body should be greater than {min}"
MAXIMUM = "{path} in body should be less than or equal to {max}"
MAXIMUM_EXCLUSIVE = "{path} in body should be less than {max}"
MULTIPLE_OF = "{path} in body should be a multiple of {factor}"
MIN_ITEMS = "{path} in body should have at least {min} items"
MIN_PROPERTIES = "{path} in body should have at least {min} properties"
UNIQUE_ITEMS = "{path} in body shouldn't contain duplicates"
ONE_OF = "{path} in body must validate one and only one schema (oneOf)"
ANY_OF = "{path} in body must validate at least one schema (anyOf)"
NOT = "{path} in body must not validate the schema (not)"
EMBEDDED_EMPTY = "must not be empty"
EMBEDDED_STRING = "must be a string"

# --- CEL (x-kubernetes-validations) --------------------------------------------------------------------
CEL_FAILED_RULE = "failed rule: {rule}"
CEL_NOT_CHECKED = (
    "some validation rules were not checked because the object was invalid; correct the existing errors to "
    "complete validation"
)
CEL_NO_SUCH_KEY = "no such key: {key} evaluating rule: {rule}"

# --- metadata (k8s.io/apimachinery/pkg/util/validation) ------------------------------------------------
DNS1123_SUBDOMAIN = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
DNS1123_LABEL = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
    "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
MAX_CHARS = "must be no more than {max} characters"
LABEL_VALUE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
    "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
)
QUALIFIED_NAME = (
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
    "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
)
QUALIFIED_NAME_EMPTY = "name part must be non-empty"
QUALIFIED_NAME_PREFIX = "prefix part " + DNS1123_SUBDOMAIN
QUALIFIED_PREFIX_EMPTY = "prefix part must be non-empty"
QUALIFIED_NAME_LONG = "name part must be no more than 63 characters"

# --- KAITO's member-side webhook (the subset the embedded fleet enforces) ----------------------------
KAITO_NEITHER = "Either Inference or Tuning must be specified, not neither"
KAITO_BOTH = "Either Inference or Tuning must be specified, but not both"
KAITO_IMMUTABLE = "field is immutable"
KAITO_TOGGLED = "{field} field cannot be toggled once set"
KAITO_PRESET_AND_TEMPLATE = "Preset and Template cannot be set at the same time"

# --- request errors ---------------------------------------------------------------------------------
STRICT_UNKNOWN = "strict decoding error: {fields}"
UNKNOWN_FIELD = 'unknown field "{path}"'
WARN_UNKNOWN = 'unknown field "{path}"'
BAD_JSON = "the body of the request was not valid JSON: {error}"
BAD_YAML = "error decoding YAML: {error}"
BAD_PROTOBUF = "the body of the request was not valid protobuf: {error}"
BODY_NOT_OBJECT = "the body of the request must be a JSON object"
UNSUPPORTED_PATCH = (
    "the body of the request was in an unknown format - accepted media types include: "
    "{accepted}"
)
UNSUPPORTED_BODY = (
    "the body of the request was in an unknown format - accepted media types include: application/json, "
    "application/yaml (and application/vnd.kubernetes.protobuf for Namespace, ConfigMap and Secret)"
)
NAME_MISMATCH = "the name of the object ({body}) does not match the name on the URL ({url})"
KIND_MISMATCH = "the API version in the data ({body}) does not match the expected API version ({url})"
FIELD_MANAGER_REQUIRED = "is required for apply patch"
FORCE_NON_APPLY = "may not be specified for non-apply patch"
FIELD_VALIDATION_VALUES = '"Ignore", "Warn", "Strict"'
DRY_RUN_VALUES = '"All"'
METHOD_NOT_ALLOWED = "the server does not allow this method on the requested resource"
NOT_FOUND_PATH = "the server could not find the requested resource"
UNKNOWN_CLUSTER = 'cluster "{cluster}" is not served here; clusters: {clusters}'
JSON_PATCH_INVALID = "the server rejected our request due to an error in our request: {error}"
APPLY_CONFLICT_ONE = "Apply failed with 1 conflict: conflict with {manager}: {path}"
APPLY_CONFLICT_MANY = "Apply failed with {n} conflicts: {details}"
APPLY_CONFLICT_CAUSE = "conflict with {manager}"
APPLY_NEEDS_OBJECT = "apply patch must be a YAML or JSON object with apiVersion and kind"
DELETED_STATUS_OK = "Success"
ALREADY_EXISTS = '{resource} "{name}" already exists'
PRECONDITION_FAILED = (
    'Operation cannot be fulfilled on {resource} "{name}": Precondition failed: {key}: {want}, '
    "{key} in object meta: {have}"
)
APPLY_RETRIES = "the object kept changing during apply; try again"
SCALE_NEGATIVE = "must be greater than or equal to 0"
WATCH_EXPIRED = "too old resource version: {requested} ({oldest})"
INTERNAL = "Internal error occurred: {error}"

# realistic-hub behaviour (issue 11)
WRITE_TIMEOUT = "Timeout: request did not complete within requested timeout - context deadline exceeded"
SSA_UNDECLARED = "failed to create typed patch object ({gvk}): {fields}"
SSA_UNDECLARED_FIELD = ".{path}: field not declared in schema"
BAD_CONTINUE = "continue key is not valid: list again without it"
