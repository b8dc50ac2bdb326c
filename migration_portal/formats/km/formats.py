"""Number formats for Khmer pages: Cambodia writes amounts with a decimal point and comma
thousands (USD 91,500.00), not Django's default Khmer comma decimal separator."""

DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
DATE_FORMAT = "j N Y"
SHORT_DATE_FORMAT = "d/m/Y"
