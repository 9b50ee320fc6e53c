"""Mock of the budget-unit code system (ngansach, SOAP)."""
