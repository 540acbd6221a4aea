variable "region" {
  description = "AWS region for the Cognito user pool, identity pool and Hosted UI domain."
  type        = string
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must look like an AWS region code, e.g. us-east-1."
  }
}

variable "name_prefix" {
  description = "Prefix for resource names (user pool, identity pool, IAM role, M2M client)."
  type        = string
  default     = "goblitz"

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,32}$", var.name_prefix))
    error_message = "name_prefix must be 1-32 characters of letters, digits, '-' or '_'."
  }
}

variable "domain_prefix" {
  description = "Hosted UI domain prefix: <domain_prefix>.auth.<region>.amazoncognito.com. Must be unique in the region."
  type        = string

  validation {
    condition = (
      can(regex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", var.domain_prefix)) &&
      length(regexall("aws|amazon|cognito", var.domain_prefix)) == 0
    )
    error_message = "domain_prefix must be 1-63 lowercase letters, digits or inner hyphens, and must not contain 'aws', 'amazon' or 'cognito'."
  }
}

variable "callback_urls" {
  description = "OAuth redirect URIs allowed for GoBlitzClient (authorization code flow). The first one is used in the hosted_ui_url output."
  type        = list(string)
  default     = ["http://localhost:8000/callback"]

  validation {
    condition     = length(var.callback_urls) > 0
    error_message = "At least one callback URL is required for the code flow."
  }
}

variable "logout_urls" {
  description = "Sign-out redirect URIs allowed for GoBlitzClient."
  type        = list(string)
  default     = ["http://localhost:8000/"]
}

variable "access_token_validity_minutes" {
  description = "Access token lifetime in minutes (Cognito allows 5..1440)."
  type        = number
  default     = 60

  validation {
    condition     = var.access_token_validity_minutes >= 5 && var.access_token_validity_minutes <= 1440
    error_message = "access_token_validity_minutes must be between 5 and 1440."
  }
}

variable "id_token_validity_minutes" {
  description = "ID token lifetime in minutes (Cognito allows 5..1440)."
  type        = number
  default     = 60

  validation {
    condition     = var.id_token_validity_minutes >= 5 && var.id_token_validity_minutes <= 1440
    error_message = "id_token_validity_minutes must be between 5 and 1440."
  }
}

variable "refresh_token_validity_days" {
  description = "Refresh token lifetime in days (Cognito allows 1..3650)."
  type        = number
  default     = 30

  validation {
    condition     = var.refresh_token_validity_days >= 1 && var.refresh_token_validity_days <= 3650
    error_message = "refresh_token_validity_days must be between 1 and 3650."
  }
}

variable "m2m_access_token_validity_minutes" {
  description = "Access token lifetime in minutes for the client_credentials (M2M) client (5..1440)."
  type        = number
  default     = 60

  validation {
    condition     = var.m2m_access_token_validity_minutes >= 5 && var.m2m_access_token_validity_minutes <= 1440
    error_message = "m2m_access_token_validity_minutes must be between 5 and 1440."
  }
}

variable "resource_server_identifier" {
  description = "Identifier of the Cognito resource server (prefix of the custom OAuth scopes)."
  type        = string
  default     = "goblitz-api"
}

variable "resource_server_scope" {
  description = "Name of the single custom scope on the resource server, granted to the M2M client."
  type        = string
  default     = "ping.read"
}

variable "deletion_protection" {
  description = "User pool deletion protection: ACTIVE (cannot be deleted until switched off) or INACTIVE (demo teardown)."
  type        = string
  default     = "ACTIVE"

  validation {
    condition     = contains(["ACTIVE", "INACTIVE"], var.deletion_protection)
    error_message = "deletion_protection must be ACTIVE or INACTIVE."
  }
}

variable "mfa_configuration" {
  description = "User pool MFA: OPTIONAL (users may enrol a TOTP app), ON (required for every user) or OFF."
  type        = string
  default     = "OPTIONAL"

  validation {
    condition     = contains(["OFF", "OPTIONAL", "ON"], var.mfa_configuration)
    error_message = "mfa_configuration must be OFF, OPTIONAL or ON."
  }
}

variable "advanced_security_mode" {
  description = "Cognito threat protection (advanced security): OFF, AUDIT or ENFORCED. Anything but OFF puts the pool on the paid PLUS feature plan."
  type        = string
  default     = "OFF"

  validation {
    condition     = contains(["OFF", "AUDIT", "ENFORCED"], var.advanced_security_mode)
    error_message = "advanced_security_mode must be OFF, AUDIT or ENFORCED."
  }
}

variable "allow_self_signup" {
  description = "Let users sign up themselves through the Hosted UI / SignUp API. false = only admins create users."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags applied to every resource through the provider's default_tags."
  type        = map(string)
  default = {
    Project   = "goblitz"
    ManagedBy = "terraform"
  }
}
