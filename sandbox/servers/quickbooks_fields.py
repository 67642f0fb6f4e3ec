"""Top-level property names QBO accepts per entity, from the Intuit XSD (Finance.xsd and its
base types: child elements plus the `domain`, `sparse`, `status` attributes). Generated once from
/work/shared/vendor/quickbooks/intuit-xsd with xmlschema; a write naming anything else is refused
as QBO refuses it (Fault 2010 "Request has invalid or unsupported property")."""

from __future__ import annotations

FIELDS: dict[str, frozenset[str]] = {
    "Customer": frozenset(
        """
        ARAccountRef AcctNum Active AltContactName AlternatePhone AttachableRef Balance
        BalanceWithJobs BillAddr BillWithParent BusinessNumber CCDetail ClientCompanyId
        ClientEntityId CompanyName ContactName CreditLimit CurrencyRef CustomField CustomerEx
        CustomerTypeRef DefaultTaxCodeRef DisplayName FamilyName Fax FullyQualifiedName GSTIN
        GSTRegistrationType GivenName Id IntuitId IsCISContractor IsProject Job JobInfo Level
        MetaData MiddleName Mobile Notes OpenBalanceDate Organization OtherAddr OtherContactInfo
        OverDueBalance ParentRef PaymentMethodRef PreferredDeliveryMethod PriceLevelRef
        PrimaryEmailAddr PrimaryPhone PrimaryTaxIdentifier PrintOnCheckName ResaleNum
        RootCustomerRef SalesRepRef SalesTermRef SecondaryTaxIdentifier ShipAddr Source Suffix
        SyncToken TDSEnabled TaxExemptionReasonId TaxGroupCodeRef TaxRateRef TaxRegime Taxable
        Title TotalExpense TotalRevenue UserId V4IDPseudonym WebAddr domain sparse status
        """.split()
    ),
    "Vendor": frozenset(
        """
        APAccountRef AcctNum Active AltContactName AlternatePhone AttachableRef Balance BillAddr
        BillRate BusinessNumber CISRate CompanyName ContactName CostRate CreditLimit CurrencyRef
        CustomField DefaultTaxCodeRef DisplayName FamilyName Fax FullyQualifiedName GSTIN
        GSTRegistrationType GivenName HasTPAR Id IntuitId IsSubContractor MetaData MiddleName
        Mobile Notes OpenBalanceDate Organization OtherAddr OtherContactInfo ParentRef
        PrefillAccountRef PrimaryEmailAddr PrimaryPhone PrintOnCheckName ShipAddr Source
        SubcontractorType Suffix SyncToken T4AEligible T5018Eligible TDSEnabled TDSEntityTypeId
        TDSOverrideThreshold TDSSectionTypeId TaxCountry TaxIdEffectiveDate TaxIdentifier
        TaxReportingBasis TermRef Title UserId V4IDPseudonym Vendor1099 VendorEx
        VendorPaymentBankDetail VendorTypeRef WebAddr domain sparse status
        """.split()
    ),
    "Invoice": frozenset(
        """
        ARAccountRef AllowIPNPayment AllowOnlineACHPayment AllowOnlineCreditCardPayment
        AllowOnlinePayPalPayment AllowOnlinePayment ApplyTaxAfterDiscount AttachableRef
        AutoDocNumber AutoPayEligible Balance BillAddr BillEmail BillEmailBcc BillEmailCc
        CfdiUse CheckPayment ClassRef ConvenienceFeeDetail CreditCardPayment CurrencyRef
        CustomField CustomerMemo CustomerRef DeliveryInfo DepartmentRef Deposit
        DepositToAccountRef DiscountAmt DiscountRate DocNumber DueDate ECloudStatusTimeStamp
        EInvoiceStatus EmailStatus ExchangeRate Exportation FOB FinanceCharge
        FinancingProductType FreeFormAddress GlobalInfo GlobalTaxCalculation
        GovtTxnRefIdentifier GratuityEnabled HomeBalance HomeTotalAmt HomeTotalCostAmount Id
        InvoiceEx InvoiceLink InvoiceLinkExpiryDate InvoiceLinkSecurityCode LessCIS Line
        LinkedTxn MetaData PONumber PaymentDetailsMessage PaymentMethodRef PaymentRefNum
        PaymentType PrintStatus PrivateNote ProjectRef RecurDataRef RecurringInfo RemitToRef
        SalesRepRef SalesTermRef SchedulePayEligible ScheduledPaymentId ShipAddr ShipDate
        ShipFromAddr ShipMethodRef ShippingTaxIncludedInTotalTax SubscriptionPaymentsSetting
        SyncToken Tag TaxExemptionRef TaxFormNum TaxFormType TemplateRef TotalAmt
        TotalCostAmount TrackingNum TransactionLocationType TxnApprovalInfo TxnDate TxnSource
        TxnStatus TxnTaxDetail callToAction domain invoiceStatus invoiceStatusLog sparse status
        """.split()
    ),
    "Payment": frozenset(
        """
        ARAccountRef AttachableRef CheckPayment CreditCardPayment CurrencyRef CustomField
        CustomerRef DepartmentRef DepositToAccountRef DocNumber ExchangeRate HomeTotalCostAmount
        Id Line LinkedTxn MetaData PaymentEx PaymentMethodRef PaymentRefNum PaymentType
        PrivateNote ProcessPayment ProjectRef RecurDataRef RecurringInfo RemitToRef SyncToken
        Tag TaxFormNum TaxFormType TotalAmt TotalCostAmount TransactionLocationType
        TxnApprovalInfo TxnDate TxnSource TxnStatus TxnTaxDetail UnappliedAmt domain sparse
        status
        """.split()
    ),
    "Bill": frozenset(
        """
        APAccountRef AttachableRef Balance BillEmail BillEx CurrencyRef CustomField
        DepartmentRef DocNumber DueDate ExchangeRate GlobalTaxCalculation HomeBalance
        HomeTotalCostAmount Id IncludeInAnnualTPAR LessCIS Line LinkedTxn Memo MetaData PayerRef
        PrivateNote ProjectRef RecurDataRef RecurringInfo RemitToAddr ReplyEmail SalesTermRef
        ShipAddr SyncToken Tag TaxFormNum TaxFormType TotalAmt TotalCostAmount
        TransactionLocationType TxnApprovalInfo TxnDate TxnSource TxnStatus TxnTaxDetail
        VendorAddr VendorRef domain sparse status
        """.split()
    ),
    "BillPayment": frozenset(
        """
        APAccountRef AttachableRef BillPaymentEx CheckPayment CreditCardPayment CurrencyRef
        CustomField DepartmentRef DocNumber ExchangeRate HomeTotalCostAmount Id Line LinkedTxn
        MetaData PayType PrivateNote ProjectRef RecurDataRef RecurringInfo SyncToken Tag
        TaxFormNum TaxFormType TotalAmt TotalCostAmount TransactionLocationType TxnApprovalInfo
        TxnDate TxnSource TxnStatus TxnTaxDetail VendorAddr VendorRef domain sparse status
        """.split()
    ),
}
